from odoo import api, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    @api.model
    def _mail_plugin_create_contact(self, name, email, company_id=None):
        """Create the contact the add-on asks for (as the current user, with their rights)."""
        values = {"name": name or email, "email": email}
        if company_id:
            values["parent_id"] = company_id
        return self.create(values)
