from werkzeug.exceptions import Forbidden, NotFound

from odoo import http
from odoo.http import request

from ..tools.addon_builds import APPS_SCRIPT_BUILDS


class MailPluginSetupController(http.Controller):
    """Administrator pages to publish the add-on for this database.

    They live outside /mail_plugin/, where every path but the sign-in pages speaks JSON-RPC.
    """

    @staticmethod
    def _check_admin():
        if not request.env.user.has_group("base.group_system"):
            raise Forbidden()

    @http.route("/mail_plugin_gmail/appsscript.json", type="http", auth="user", methods=["GET"])
    def addon_manifest(self, build=None):
        """The add-on's manifest, allowed to fetch this database's address: for one Apps Script
        build (``build``: its short commit), or for all of them."""
        self._check_admin()
        if build and build not in APPS_SCRIPT_BUILDS:
            raise NotFound()
        body = request.env["mail.plugin.setup"]._addon_manifest_json(build=build or None)
        return request.make_response(
            body,
            headers=[
                ("Content-Type", "application/json; charset=utf-8"),
                ("Content-Disposition", http.content_disposition("appsscript.json")),
            ],
        )

    @http.route("/mail_plugin_gmail/setup", type="http", auth="user", methods=["GET"])
    def setup_guide(self, addin=None):
        """The on-premise paths with this database's values filled in; ``addin`` is the address
        of a self-hosted HTTP add-in, to fill in its values too."""
        self._check_admin()
        values = request.env["mail.plugin.setup"]._guide_values(addin_host=addin or "")
        return request.render("mail_plugin_gmail.setup_guide_page", values)
