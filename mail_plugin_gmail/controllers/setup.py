from werkzeug.exceptions import Forbidden

from odoo import http
from odoo.http import request


class MailPluginSetupController(http.Controller):
    """Administrator pages to publish the add-on for this database.

    They live outside /mail_plugin/, where every path but the sign-in pages speaks JSON-RPC.
    """

    @staticmethod
    def _check_admin():
        if not request.env.user.has_group("base.group_system"):
            raise Forbidden()

    @http.route("/mail_plugin_gmail/appsscript.json", type="http", auth="user", methods=["GET"])
    def addon_manifest(self):
        """The add-on's manifest, allowed to fetch this database's address."""
        self._check_admin()
        body = request.env["mail.plugin.setup"]._addon_manifest_json()
        return request.make_response(body, headers=[
            ("Content-Type", "application/json; charset=utf-8"),
            ("Content-Disposition", http.content_disposition("appsscript.json")),
        ])

    @http.route("/mail_plugin_gmail/setup", type="http", auth="user", methods=["GET"])
    def setup_guide(self):
        """The on-premise steps with this database's values filled in."""
        self._check_admin()
        values = request.env["mail.plugin.setup"]._guide_values()
        return request.render("mail_plugin_gmail.setup_guide_page", values)
