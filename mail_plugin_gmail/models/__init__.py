from . import ir_http
from . import mail_plugin_auth_code
from . import mail_plugin_connection
from . import mail_plugin_rate_limit
from . import res_config_settings
from . import mail_plugin_translation
from . import mail_plugin_records
from . import res_partner
