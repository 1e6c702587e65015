from . import auth
from . import data
from . import records
from . import setup
