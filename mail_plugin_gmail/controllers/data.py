from odoo import http
from odoo.http import request


class MailPluginDataController(http.Controller):
    """Endpoints the signed-in add-on calls; each runs as the token's user."""

    @http.route(
        "/mail_plugin/get_translations", type="json", auth="mail_plugin", cors="*", save_session=False
    )
    def get_translations(self, **kwargs):
        return request.env["mail.plugin.translation"]._get_addon_translations()
