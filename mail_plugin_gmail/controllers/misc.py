from werkzeug.exceptions import NotFound

from odoo import _, http
from odoo.http import request

from ..tools.exceptions import MailPluginError
from ..tools.params import as_id
from .common import message_page

# Version of the add-in protocol the newer add-on requires (it refuses any other answer).
ADDIN_PROTOCOL_VERSION = 2


class MailPluginMiscController(http.Controller):
    """Version handshake of the newer add-on and its "View in Odoo" links."""

    @http.route(
        "/mail_plugin/auth/check_version",
        type="json",
        auth="none",
        methods=["POST"],
        cors="*",
        save_session=False,
    )
    def check_version(self, **kwargs):
        if not request.env["mail.plugin.connection"].sudo()._feature_enabled():
            raise NotFound()
        return ADDIN_PROTOCOL_VERSION

    @http.route(
        ["/mail_plugin/redirect_to_record/<string:model>", "/mail_plugin/redirect_to_record/<string:model>/"],
        type="http",
        auth="user",
        methods=["GET"],
        website=False,
    )
    def redirect_to_record(self, model, record_id=None, **kwargs):
        """Open a record in the web client (the newer add-on's "View in Odoo" link)."""
        if not request.env["mail.plugin.connection"]._feature_enabled():
            return message_page(_("The mail plugin is not enabled"), _("Ask an administrator."), status=404)
        if not request.env.user._is_internal():
            return message_page(_("Access refused"), _("Only internal users can open this link."), status=403)
        try:
            url = request.env["mail.plugin.search"]._record_form_url(model, as_id(record_id, "record_id"))
        except MailPluginError as error:
            return message_page(_("Cannot open this record"), error.args[0], status=404)
        return request.redirect(url, 303)
