from . import controllers
from . import models
from . import wizards


def post_load():
    """Runs when the module's code is loaded, also before any database is: see
    tools/database_outage.py (the add-on's answer while the database is unreachable)."""
    from .tools.database_outage import patch_dispatcher

    patch_dispatcher()
