from odoo import fields, models


class MailPluginTestClaim(models.Model):
    """A customer claim: a model of this test module, unknown to mail_plugin_gmail."""

    _name = "mail.plugin.test.claim"
    _inherit = ["mail.thread"]
    _description = "Mail Plugin Test Claim"
    _order = "id desc"

    name = fields.Char(required=True)
    reference = fields.Char()
    partner_id = fields.Many2one("res.partner", string="Customer")
    description = fields.Html()
    user_id = fields.Many2one("res.users", string="Responsible")
