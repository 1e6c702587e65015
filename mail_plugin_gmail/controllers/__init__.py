from . import action
from . import auth
from . import partner
from . import records
from . import setup
