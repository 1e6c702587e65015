"""Texts the Gmail add-on shows, in English as the add-on holds them.

The add-on asks ``/mail_plugin/get_translations`` for a mapping of these to the user's
language. They are marked with ``_lt`` so Odoo's tools export them to the .pot file and
translators handle them like any other text of this module.
"""

from odoo.tools.translate import _lt

TERMS = []
