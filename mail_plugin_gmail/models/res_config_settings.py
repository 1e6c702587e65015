from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    mail_plugin_gmail_enabled = fields.Boolean(
        string="Mail Plugin",
        config_parameter="mail_plugin_gmail.enabled",
        help="Let the Gmail add-on sign in to this database and work with its records.",
    )
    mail_plugin_gmail_redirect_patterns = fields.Char(
        string="Extra allowed sign-in callbacks",
        config_parameter="mail_plugin_gmail.redirect_patterns",
        help="HTTPS addresses (wildcards * allowed, comma separated) of other add-ons, such as "
        "a self-published add-on or the Outlook add-in, that may receive sign-in codes.",
    )
