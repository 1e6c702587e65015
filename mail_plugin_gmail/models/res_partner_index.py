from odoo import models

from ..partner_indexes import ensure_partner_indexes


class ResPartner(models.Model):
    _inherit = "res.partner"

    def init(self):
        """On install and on every update: build the lookup indexes that are missing (see
        hooks.py; concurrently on a large table)."""
        super().init()
        ensure_partner_indexes(self.env)
