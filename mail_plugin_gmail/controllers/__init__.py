from . import auth
from . import data
