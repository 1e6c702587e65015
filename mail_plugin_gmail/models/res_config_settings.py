from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools.callbacks import parse_callback_patterns


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
        help="Sign-in callbacks of other add-ons that may receive sign-in codes, separated by "
        "commas: Odoo's HTTP add-in, whoever hosts it (https://<add-in host>/auth_callback; the "
        "sign-in page it gets refused on shows the exact value), a self-hosted add-in, the Outlook "
        "add-in. Apps Script add-ons need none. Each is an https "
        "address without user name, query or fragment; the host may start with one “*.” "
        "(any one name before the domain), the path may end with “/*” (anything below it). "
        "Example: https://addin.example.com/auth_callback",
    )
    mail_plugin_gmail_max_attachment_mb = fields.Integer(
        string="Attachment size limit (MB)",
        config_parameter="mail_plugin_gmail.max_attachment_mb",
        default=40,
        help="Largest total size of the attachments of one email logged or turned into a record "
        "from the add-on (the add-on itself sends at most 40 MB). Unless the system parameter "
        "mail_plugin_gmail.max_request_size sets it, the largest request follows: 4/3 of this "
        "(attachments travel base64-encoded) plus 24 MB for the email itself.",
    )
    mail_plugin_gmail_max_attachments = fields.Integer(
        string="Attachments per email",
        config_parameter="mail_plugin_gmail.max_attachments",
        default=100,
        help="Largest number of attachments of one email logged or turned into a record from the "
        "add-on; an email with more is refused with a message saying so.",
    )
    mail_plugin_gmail_server_url = fields.Char(
        string="Address for the add-on",
        compute="_compute_mail_plugin_gmail_server_url",
        help="What users type in the add-on's login screen: this database's base URL " "(web.base.url).",
    )

    @api.constrains("mail_plugin_gmail_redirect_patterns")
    def _check_mail_plugin_gmail_redirect_patterns(self):
        for settings in self:
            try:
                parse_callback_patterns(settings.mail_plugin_gmail_redirect_patterns)
            except ValueError as exc:
                raise ValidationError(exc.args[0]) from None

    @api.model
    def get_values(self):
        # Odoo's reading of a boolean parameter is bool(text), so "False" would show as on.
        values = super().get_values()
        values["mail_plugin_gmail_enabled"] = self.env["mail.plugin.connection"]._feature_enabled()
        return values

    @api.depends("mail_plugin_gmail_enabled")
    def _compute_mail_plugin_gmail_server_url(self):
        self.mail_plugin_gmail_server_url = self.env["mail.plugin.setup"]._base_url()

    def action_mail_plugin_gmail_check_connection(self):
        return self.env["mail.plugin.diagnostic"].action_check()
