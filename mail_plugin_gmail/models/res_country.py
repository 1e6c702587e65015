from odoo import models


class ResCountry(models.Model):
    _inherit = "res.country"

    def write(self, vals):
        result = super().write(vals)
        if "name" in vals:
            # The add-on's company cards cache country names (mail.plugin.partner._country_name).
            self.env.registry.clear_cache()
        return result
