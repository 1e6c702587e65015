from . import auth
from . import data
from . import misc
from . import partner
from . import records
from . import setup
from . import search
