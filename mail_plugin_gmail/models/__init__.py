from . import ir_http
from . import mail_plugin_auth_code
from . import mail_plugin_connection
from . import res_config_settings
from . import mail_plugin_translation
from . import mail_plugin_records
from . import res_partner
from . import res_partner_index
