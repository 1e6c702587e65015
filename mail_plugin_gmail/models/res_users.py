from odoo import models, tools


class ResUsers(models.Model):
    _inherit = "res.users"

    @tools.ormcache("self.id")
    def _mail_plugin_company_ids(self):
        """The companies an add-on's request works in: the user's active companies, the main
        one first. Cached: reading the user's main company costs a query of every column of
        the user; Odoo empties this cache when a user's companies change."""
        self.ensure_one()
        main = self.company_id.id
        return (main, *(company_id for company_id in self._get_company_ids() if company_id != main))
