from . import test_auth_flow
from . import test_onprem
from . import test_settings
from . import test_token_auth
from . import test_ui_tours
from . import test_records
from . import test_performance
