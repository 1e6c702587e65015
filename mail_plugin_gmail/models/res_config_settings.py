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
    mail_plugin_gmail_max_attachment_mb = fields.Integer(
        string="Attachment size limit (MB)",
        config_parameter="mail_plugin_gmail.max_attachment_mb",
        default=25,
        help="Largest total size of the attachments of one email logged or turned into a record "
        "from the add-on. Requests above Odoo's own limit on request size (128 MB by default) "
        "are refused anyway.",
    )
