import logging
from urllib.parse import urlencode

import werkzeug

from odoo import _, http
from odoo.http import request

from ..models.mail_plugin_auth_code import SCOPES, SUCCESS_PATH
from ..models.mail_plugin_setup import SETTINGS_URL
from ..tools.callback_info import describe_callback
from .common import json_route, message_page

_logger = logging.getLogger(__name__)

# Version of the add-in protocol the newer add-on requires (it refuses any other answer).
ADDIN_PROTOCOL_VERSION = 2


class MailPluginAuthController(http.Controller):
    """The add-on's sign-in: consent page, confirmation, code-for-token exchange, version
    handshake, and its texts in the language of the user who signed in."""

    def _refusal(self, redirect, scope):
        """The page to show instead of the consent form, or None when the user may consent."""
        codes = request.env["mail.plugin.auth.code"]
        if not request.env["mail.plugin.connection"]._feature_enabled():
            return message_page(
                _("The mail plugin is not enabled"),
                _(
                    "An administrator must activate Mail Plugin in Settings, General Settings, "
                    "Integrations, before the add-on can connect to this database."
                ),
                status=404,
            )
        if scope not in SCOPES:
            return message_page(
                _("Unknown access scope"),
                _("This add-on asked for an access this database does not grant."),
                status=400,
            )
        if not codes._is_redirect_allowed(redirect):
            _logger.warning("mail plugin: sign-in refused for unknown callback %r", redirect)
            return self._unknown_callback_page(redirect)
        if request.env.user._is_public():
            return None
        if not request.env.user._is_internal():
            return message_page(
                _("Access refused"),
                _("Only internal users of this database can connect a mail add-on."),
                status=403,
            )
        return None

    @staticmethod
    def _unknown_callback_page(redirect):
        """Refusal of a callback nobody allowed: where the code would have gone, and what an
        administrator pastes to allow it. Deliberately no button that allows it from here: a
        crafted link would turn an administrator's click into an attacker's allowed callback."""
        response = request.render(
            "mail_plugin_gmail.unknown_callback_page",
            {
                "db": request.db,
                "callback": describe_callback(redirect),
                "settings_url": SETTINGS_URL,
            },
        )
        response.status_code = 400
        return response

    @staticmethod
    def _with_params(url, params):
        return url + ("&" if "?" in url else "?") + urlencode(params)

    @staticmethod
    def _success_page():
        return message_page(
            _("Success!"),
            _("Your mail add-on is connected to Odoo. You can close this window."),
            kind="success",
        )

    @staticmethod
    def _denied_page():
        return message_page(
            _("Not connected"),
            _("Access was denied, so the add-on is not connected. You can close this window."),
        )

    @http.route("/mail_plugin/auth", type="http", auth="public", methods=["GET"], website=False)
    def auth_page(self, redirect=None, friendlyname=None, state=None, scope="outlook", **kwargs):
        """The consent page the add-on opens in the user's browser."""
        refusal = self._refusal(redirect, scope)
        if refusal:
            return refusal
        if request.env.user._is_public():
            return request.redirect(
                "/web/login?" + urlencode({"redirect": request.httprequest.full_path}), 303
            )
        client_name = (friendlyname or _("Mail Plugin"))[:64]
        codes = request.env["mail.plugin.auth.code"]
        response = request.render(
            "mail_plugin_gmail.consent_page",
            {
                "client_name": client_name,
                "user": request.env.user,
                "db": request.db,
                "redirect": redirect or "",
                "scope": scope,
                "state": state or "",
                "friendlyname": friendlyname or "",
                # The Success page of this module: no code leaves the database.
                "callback": describe_callback("" if codes._is_success_page(redirect) else redirect),
            },
        )
        # The page must not be framed: its Allow button is the whole grant.
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Content-Security-Policy"] = "frame-ancestors 'none'"
        return response

    @http.route("/mail_plugin/auth/confirm", type="http", auth="public", methods=["POST"], website=False)
    def auth_confirm(self, redirect=None, friendlyname=None, state=None, scope="outlook", **kw):
        """Allow or Deny: back to the add-on's callback with a code, or with success=0.

        Only a POST grants: Odoo adds OPTIONS to every route and checks the CSRF token on
        other methods only, so any other method is refused here.
        """
        if request.httprequest.method != "POST":
            return message_page(
                _("Method not allowed"),
                _("Use the Allow button of the consent page to connect the add-on."),
                status=405,
            )
        refusal = self._refusal(redirect, scope)
        if refusal:
            return refusal
        if request.env.user._is_public():
            return message_page(
                _("Session expired"),
                _("Sign in to Odoo again, then retry from the add-on."),
                status=403,
            )
        codes = request.env["mail.plugin.auth.code"]
        # Without a callback of the add-on, the sign-in ends here: no code in any URL (it
        # would sit in the browser history and the access logs, ready to be exchanged).
        landing_page = codes._is_success_page(redirect)
        if kw.get("do"):
            limits = request.env["mail.plugin.rate.limit"]
            user = request.env.user
            hits = (
                limits._hit("confirm_user", f"user #{user.id} ({user.login})"),
                limits._hit("confirm_address", f"address {request.httprequest.remote_addr}"),
            )
            if any(hits):
                return message_page(
                    _("Too many attempts"),
                    _(
                        "Too many sign-ins were started in a short time. Wait a few minutes, then "
                        "try again from the add-on."
                    ),
                    status=429,
                )
            if landing_page:
                return self._success_page()
            code = codes._issue(request.env.user, scope, redirect, (friendlyname or "Mail Plugin")[:64])
            params = {"success": 1, "auth_code": code}
        elif landing_page:
            return self._denied_page()
        else:
            params = {"success": 0}
        if state is not None:
            params["state"] = state
        return werkzeug.utils.redirect(self._with_params(redirect, params), 303)

    @http.route(SUCCESS_PATH, type="http", auth="public", methods=["GET"], website=False)
    def auth_success(self, success=None, **kwargs):
        """Where the browser lands when the add-on gave no callback of its own."""
        if not request.env["mail.plugin.connection"]._feature_enabled():
            raise werkzeug.exceptions.NotFound()
        return self._success_page() if success == "1" else self._denied_page()

    @http.route(
        "/mail_plugin/auth/access_token",
        type="json",
        auth="public",
        methods=["POST"],
        cors="*",
        save_session=False,
    )
    def auth_access_token(self, auth_code=None, redirect_uri=None, scope=None, **kwargs):
        """Exchange a sign-in code for an access token (the add-on also probes this route).

        The add-ons send the code alone; a client that also names the callback or the scope
        it started the sign-in with (RFC 6749 §4.1.3) gets a token only when both match.
        """
        if not request.env["mail.plugin.connection"]._feature_enabled():
            raise werkzeug.exceptions.NotFound()
        if auth_code is None:
            return {"error": _("Invalid code")}  # the add-on's reachability probe
        key = request.env["mail.plugin.auth.code"]._exchange(
            auth_code,
            client_address=request.httprequest.remote_addr,
            redirect_uri=redirect_uri,
            scope=scope,
        )
        if not key:
            return {"error": _("Invalid code")}
        return {"access_token": key}

    @http.route(
        "/mail_plugin/auth/check_version",
        type="json",
        auth="none",
        methods=["POST"],
        cors="*",
        save_session=False,
    )
    def check_version(self, **kwargs):
        """Version handshake of the newer add-on, before it offers to sign in."""
        # sudo: auth="none" runs without a user; only the feature's on/off setting is read.
        if not request.env["mail.plugin.connection"].sudo()._feature_enabled():
            raise werkzeug.exceptions.NotFound()
        return ADDIN_PROTOCOL_VERSION

    @json_route("/mail_plugin/get_translations")
    def get_translations(self, **kwargs):
        """The add-on's texts in the signed-in user's language."""
        return request.env["mail.plugin.translation"]._get_addon_translations()
