from odoo import http
from odoo.http import request

from .common import json_route


class MailPluginDataController(http.Controller):
    """Endpoints the signed-in add-on calls; each runs as the token's user."""

    @json_route("/mail_plugin/get_translations")
    def get_translations(self, **kwargs):
        return request.env["mail.plugin.translation"]._get_addon_translations()
