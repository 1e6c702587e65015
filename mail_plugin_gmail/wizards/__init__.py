from . import mail_plugin_diagnostic
