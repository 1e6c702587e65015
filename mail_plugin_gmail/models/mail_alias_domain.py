from odoo import api, models


class MailAliasDomain(models.Model):
    _inherit = "mail.alias.domain"

    # res.partner caches the database's own addresses (_mail_plugin_notification_emails).

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        self.env.registry.clear_cache()
        return records

    def write(self, vals):
        result = super().write(vals)
        self.env.registry.clear_cache()
        return result

    def unlink(self):
        result = super().unlink()
        self.env.registry.clear_cache()
        return result
