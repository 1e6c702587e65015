import json
import logging

from werkzeug.exceptions import BadRequest, HTTPException, NotFound

from odoo import models
from odoo.exceptions import AccessDenied, AccessError, MissingError, UserError, ValidationError
from odoo.http import request

from ..exceptions import MailPluginError

_logger = logging.getLogger(__name__)

# Pages a browser opens; every other /mail_plugin/ route speaks JSON-RPC.
HTML_PATHS = ("/mail_plugin/auth", "/mail_plugin/auth/confirm", "/mail_plugin/auth/success")
HTML_PREFIXES = ("/mail_plugin/redirect_to_record/",)


def is_mail_plugin_json_request():
    path = request.httprequest.path.rstrip("/")
    return (
        path.startswith("/mail_plugin/")
        and path not in HTML_PATHS
        and not (path + "/").startswith(HTML_PREFIXES)
    )


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _auth_method_mail_plugin(cls):
        """Bearer token of a mail add-on: the request runs as the token's user."""
        connections = request.env["mail.plugin.connection"]
        if not connections._feature_enabled():
            raise NotFound()
        scheme, _sep, token = request.httprequest.headers.get("Authorization", "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise BadRequest("Access token missing")
        # sudo: the token table is readable by administrators only; this returns a user id
        # and nothing else, and the request then runs as that user.
        uid = connections.sudo()._authenticate_token(token)
        if not uid:
            _logger.info("mail plugin: invalid access token from %s", request.httprequest.remote_addr)
            raise BadRequest("Access token invalid")
        request.update_env(user=uid)
        user = request.env.user
        # Main company first. _get_company_ids() is Odoo's cached list of the user's active
        # companies (cleared on every server when they change): no query on each request.
        main = user.company_id.id
        companies = [main] + [cid for cid in user._get_company_ids() if cid != main]
        request.update_context(**user.context_get(), allowed_company_ids=companies)

    @classmethod
    def _pre_dispatch(cls, rule, args):
        # A CORS preflight (OPTIONS) has no body: Odoo answers it in super().
        if is_mail_plugin_json_request() and request.httprequest.method != "OPTIONS":
            cls._check_json_rpc_envelope()
        return super()._pre_dispatch(rule, args)

    @staticmethod
    def _check_json_rpc_envelope():
        """Odoo answers a broken envelope with a plain-text 400 or a traceback: refuse it
        here, as JSON, before the dispatcher reads it."""
        try:
            payload = json.loads(request.httprequest.get_data(as_text=True) or "null")
        except ValueError as exc:
            raise MailPluginError("Invalid JSON data", status=400) from exc
        if not isinstance(payload, dict):
            raise MailPluginError("Invalid JSON-RPC request: an object is expected", status=400)
        if not isinstance(payload.get("params", {}), dict):
            raise MailPluginError("Invalid JSON-RPC request: params must be an object", status=400)

    @classmethod
    def _handle_error(cls, exception):
        if request and is_mail_plugin_json_request():
            return cls._mail_plugin_error_response(exception)
        return super()._handle_error(exception)

    @classmethod
    def _mail_plugin_error_response(cls, exc):
        """A JSON-RPC error without the traceback Odoo would put in ``data.debug``."""
        status, code = 200, 200
        if isinstance(exc, MailPluginError):
            status, message = exc.status, exc.args[0]
        elif isinstance(exc, NotFound):
            status, code, message = 404, 404, "404: Not Found"
        elif isinstance(exc, HTTPException):
            status = 400 if exc.code == 415 else 200
            message = f"{exc.code} {exc.name}: {exc.description}"
        elif isinstance(exc, (UserError, ValidationError, AccessError, MissingError, AccessDenied)):
            message = exc.args[0] if exc.args else type(exc).__name__
        else:
            _logger.exception("mail plugin: unexpected error on %s", request.httprequest.path)
            message = "Internal error: the server could not process this request"
        name = f"{type(exc).__module__}.{type(exc).__name__}"
        if isinstance(exc, HTTPException):
            name = f"werkzeug.exceptions.{type(exc).__name__}"
        body = {
            "jsonrpc": "2.0",
            "id": getattr(request.dispatcher, "request_id", None) if request.dispatcher else None,
            "error": {
                "code": code,
                "message": message,
                "data": {"name": name, "message": message, "arguments": [message]},
            },
        }
        return request.make_json_response(body, status=status)
