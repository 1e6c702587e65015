from . import mail_plugin_test_claim
from . import mail_plugin_app
