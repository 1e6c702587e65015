from odoo import api, fields, models


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
        "from the add-on. The add-on's whole request is limited to 64 MB by default "
        "(system parameter mail_plugin_gmail.max_request_size): attachments travel "
        "base64-encoded, so that leaves room for about 48 MB of attachments.",
    )
    mail_plugin_gmail_server_url = fields.Char(
        string="Address for the add-on",
        compute="_compute_mail_plugin_gmail_server_url",
        help="What users type in the add-on's login screen: this database's base URL "
        "(web.base.url).",
    )

    @api.depends("mail_plugin_gmail_enabled")
    def _compute_mail_plugin_gmail_server_url(self):
        self.mail_plugin_gmail_server_url = self.env["mail.plugin.setup"]._base_url()

    def action_mail_plugin_gmail_check_connection(self):
        return self.env["mail.plugin.diagnostic"].action_check()
