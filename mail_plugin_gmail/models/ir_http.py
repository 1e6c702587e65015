import json
import logging

from werkzeug.exceptions import (
    BadRequest,
    HTTPException,
    NotFound,
    RequestEntityTooLarge,
    TooManyRequests,
)

from odoo import _, http, models
from odoo.exceptions import AccessDenied, AccessError, MissingError, UserError, ValidationError
from odoo.http import request, serialize_exception

from ..tools.database_outage import is_add_on_json_path, is_database_unavailable, unavailable_response
from ..tools.exceptions import MailPluginBadInput, MailPluginError, MailPluginRateLimited
from ..tools.params import find_unstorable, is_unstorable, unstorable_error

_logger = logging.getLogger(__name__)

# Room in a request for what is not attachments: the email's body (up to 5 million
# characters of HTML, several bytes each once encoded), its headers, the envelope.
REQUEST_MARGIN = 24 * 1024 * 1024
MAX_BODY_PARAM = "mail_plugin_gmail.max_request_size"


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
        # and nothing else, and the request then runs as that user. A token no column can
        # hold (NUL) is refused, and counted, without a query.
        uid = not is_unstorable(token) and connections.sudo()._authenticate_token(token)
        if not uid:
            address = request.httprequest.remote_addr
            _logger.info("mail plugin: invalid access token from %s", address)
            cls._count_token_failure(token, address)
            raise BadRequest("Access token invalid")
        request.update_env(user=uid)
        user = request.env.user
        # Both cached (and emptied by Odoo on every server when they change): no query.
        companies = list(user._mail_plugin_company_ids())
        request.update_context(**user.context_get(), allowed_company_ids=companies)

    @classmethod
    def _mail_plugin_json_route(cls, endpoint=None):
        """Whether the request is for one of the add-on's JSON-RPC routes: by the type of its
        route, once matched. Before (unknown path, wrong method or content type), Odoo's
        dispatcher is still the page one, and the path decides as it does without database."""
        if endpoint is not None:
            return request.httprequest.path.startswith("/mail_plugin/") and endpoint.routing["type"] == "json"
        if request.dispatcher and request.dispatcher.routing_type == "json":
            return request.httprequest.path.startswith("/mail_plugin/")
        return is_add_on_json_path(request.httprequest.path)

    @classmethod
    def _authenticate(cls, endpoint):
        # The add-on's input is checked before anything reads it, the token check included.
        if cls._mail_plugin_json_route(endpoint) and not http.is_cors_preflight(request, endpoint):
            cls._check_json_input()
        try:
            return super()._authenticate(endpoint)
        except AccessDenied as exc:
            # Odoo turns any other error of an auth method into "Access Denied"; ours (the
            # rate limit) carries its own message and status, and a database that went away
            # is "try again", not a refused token.
            if isinstance(exc.__context__, MailPluginError) or is_database_unavailable(exc.__context__):
                raise exc.__context__ from None
            raise

    @classmethod
    def _count_token_failure(cls, token, address):
        """Count a refused token per address and per the user its prefix names; over a limit
        the answer becomes "too many attempts" (HTTP 429).

        A valid token is never refused because of these counters: every add-on's traffic comes
        from Google's servers, so blocking an address would lock out every user behind it,
        while a 160-bit token cannot be guessed anyway. The counters serve to stop the noise
        and to tell an administrator, in the log, who is trying.
        """
        limits = request.env["mail.plugin.rate.limit"]
        # sudo: reads which user owns a key prefix, used only to name the counter.
        owner = request.env["mail.plugin.connection"].sudo()._token_owner_hint(token)
        hits = (
            limits._hit("token_failure_address", f"address {address}"),
            owner and limits._hit("token_failure_user", f"user #{owner}"),
        )
        # The refusal rolls this request back, and it wrote nothing: committing here keeps
        # the counters also under the test runner, where their cursor nests in this one.
        request.env.cr.commit()
        try:
            limits._check(*hits)
        except MailPluginRateLimited as exc:
            # As an HTTP error, Odoo passes it through the auth step without logging a traceback.
            raise TooManyRequests(exc.args[0], retry_after=exc.retry_after) from None

    @classmethod
    def _pre_dispatch(cls, rule, args):
        # A CORS preflight (OPTIONS, no body) is answered by Odoo's dispatcher below.
        if cls._mail_plugin_json_route(rule.endpoint) and not http.is_cors_preflight(request, rule.endpoint):
            payload = request.mail_plugin_payload
            cls._check_endpoint_params(dict(payload.get("params") or {}, **args))
        elif request.httprequest.path.startswith(("/mail_plugin/", "/mail_plugin_gmail/")):
            cls._check_page_input()
        return super()._pre_dispatch(rule, args)

    @classmethod
    def _check_json_input(cls):
        """Headers, query and body of an add-on request: no text a column cannot store (NUL,
        lone surrogates) anywhere, a well-formed envelope within the size limit. The decoded
        body is kept for the dispatcher, which would otherwise read and decode it again."""
        cls._check_headers_and_query()
        payload = cls._check_json_rpc_envelope()
        if hasattr(request.dispatcher, "request_id"):
            request.dispatcher.request_id = payload.get("id")  # errors echo the caller's id
        found = find_unstorable(payload.get("params") or {})
        if found:
            raise unstorable_error(found[0])
        if find_unstorable({key: value for key, value in payload.items() if key != "params"}):
            raise unstorable_error(None)
        request.mail_plugin_payload = payload
        request.get_json_data = lambda: payload

    @staticmethod
    def _check_headers_and_query():
        """Raise MailPluginBadInput for a header, query argument or path that holds NUL or a
        lone surrogate. The Authorization header is left to the token check, which counts
        a refused token."""
        httprequest = request.httprequest
        if is_unstorable(httprequest.path):
            raise unstorable_error(None)
        for name, value in httprequest.headers.items():
            if name.lower() != "authorization" and (is_unstorable(name) or is_unstorable(value)):
                raise unstorable_error(name, kind="header")
        for name, value in httprequest.args.items(multi=True):
            if is_unstorable(name) or is_unstorable(value):
                raise unstorable_error(name)

    @classmethod
    def _check_page_input(cls):
        """The browser pages' headers, query and form fields: a 400 page for NUL or a lone
        surrogate, before a controller stores or renders them."""
        cls._check_headers_and_query()
        for name, value in request.httprequest.form.items(multi=True):
            if is_unstorable(name) or is_unstorable(value):
                raise unstorable_error(name)

    @staticmethod
    def _max_request_size():
        """The system parameter when set, else what the attachment limit needs: base64 makes
        4 bytes of 3, and the email's body, headers and envelope come on top."""
        raw_size = request.env["ir.config_parameter"].sudo().get_param(MAX_BODY_PARAM)
        if raw_size and raw_size.strip().isdigit():
            return int(raw_size)
        attachments = request.env["mail.plugin.email"]._max_attachment_bytes()
        return -(-attachments * 4 // 3) + REQUEST_MARGIN

    @staticmethod
    def _read_body(max_size):
        """The request body, read from the stream at most ``max_size`` + 1 bytes: a chunked
        body (no Content-Length) is limited as well as a declared one.

        A declared length is read into one buffer of that size: a list of pieces joined at
        the end would hold the body twice. The stream can be read only once; Odoo runs a
        request again after a serialization failure with the payload parsed the first time
        (see _check_json_rpc_envelope).
        """
        httprequest = request.httprequest
        # Odoo's request wrapper does not expose the stream; werkzeug's request it wraps does.
        wrapped = httprequest._HTTPRequest__wrapped  # pylint: disable=protected-access
        body = getattr(wrapped, "_cached_data", None)
        if body is not None:  # read by something else before
            if len(body) > max_size:
                raise RequestEntityTooLarge()
            wrapped._cached_data = b""  # pylint: disable=protected-access
            return body
        declared = httprequest.content_length
        if (declared or 0) > max_size:
            raise RequestEntityTooLarge()
        stream = wrapped.stream
        buffer = bytearray(declared or 0)
        size = 0
        while True:
            piece = stream.read(min(1024 * 1024, max_size + 1 - size))
            if not piece:
                break
            if size + len(piece) <= len(buffer):
                buffer[size : size + len(piece)] = piece
            else:
                buffer[size:] = piece
            size += len(piece)
            if size > max_size:
                raise RequestEntityTooLarge()
        del buffer[size:]
        wrapped._cached_data = b""  # pylint: disable=protected-access
        return buffer

    @classmethod
    def _check_json_rpc_envelope(cls):
        """Odoo answers a broken envelope with a plain-text 400 or a traceback: refuse it
        here, as JSON, before the dispatcher reads it. Returns the decoded payload."""
        parsed = getattr(request, "mail_plugin_parsed_body", None)
        if parsed is not None:
            # Odoo runs a request again after a serialization failure: the stream is read, and
            # the payload parsed then is still whole (the endpoints do not change it).
            return parsed
        max_size = cls._max_request_size()
        try:
            body = cls._read_body(max_size)
            # The parsed payload below replaces every copy of the body: the bytes and the
            # text, each dropped as soon as the next one exists (a 40 MB email would otherwise
            # sit in memory three times over).
            text = body.decode("utf-8", "replace")
            del body
            payload = json.loads(text or "null")
            del text
        except RequestEntityTooLarge as exc:
            raise MailPluginError(
                _("Request too large: the limit is %s MB", max_size // (1024 * 1024)), status=413
            ) from exc
        except (ValueError, RecursionError) as exc:
            # RecursionError: thousands of nested brackets.
            raise MailPluginError("Invalid JSON data", status=400) from exc
        if not isinstance(payload, dict):
            raise MailPluginError("Invalid JSON-RPC request: an object is expected", status=400)
        if not isinstance(payload.get("params", {}), dict):
            raise MailPluginError("Invalid JSON-RPC request: params must be an object", status=400)
        request.mail_plugin_parsed_body = payload
        return payload

    @staticmethod
    def _check_endpoint_params(params):
        """A parameter named like the controller instance (``self``) would make Python raise
        a TypeError (an internal error): answer with its name instead. Every parameter of
        the routes has a default, and unknown ones are dropped: newer add-ons send more."""
        if "self" in params:
            raise MailPluginError(_("Invalid parameter: %s", "self"))

    @classmethod
    def _handle_error(cls, exception):
        if request and cls._mail_plugin_json_route():
            return cls._mail_plugin_error_response(exception)
        if request and isinstance(exception, MailPluginBadInput):
            response = request.render(
                "mail_plugin_gmail.message_page",
                {
                    "title": _("Invalid request"),
                    "message": exception.args[0],
                    "kind": "error",
                    "db": request.db,
                },
            )
            response.status_code = 400
            response.flatten()  # an error answer is sent as is, not rendered on the way out
            return response
        return super()._handle_error(exception)

    @classmethod
    def _mail_plugin_error_response(cls, exc):
        """A JSON-RPC error without the traceback Odoo would put in ``data.debug``."""
        status, code = 200, 200
        if is_database_unavailable(exc):
            # The database went away or is restarting: "try again", logged by Odoo as one
            # WARNING line (a real outage is also visible in PostgreSQL's own log).
            exc.loglevel = logging.WARNING
            request_id = getattr(request.dispatcher, "request_id", None) if request.dispatcher else None
            return unavailable_response(request_id)
        if isinstance(exc, MailPluginError):
            status, message = exc.status, exc.args[0]
        elif isinstance(exc, TooManyRequests):
            status, message = 429, exc.description
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
        # Odoo's own error data, without its traceback, and with the message shown above
        # (an unexpected error's own text may tell about the server's internals).
        data = serialize_exception(exc)
        del data["debug"]
        data.update(message=message, arguments=[message])
        if isinstance(exc, HTTPException):
            data["name"] = f"werkzeug.exceptions.{type(exc).__name__}"
        elif not data["name"].startswith("odoo."):
            # Never the name of a driver's or a library's exception class.
            data["name"] = "werkzeug.exceptions.InternalServerError"
        body = {
            "jsonrpc": "2.0",
            "id": getattr(request.dispatcher, "request_id", None) if request.dispatcher else None,
            "error": {"code": code, "message": message, "data": data},
        }
        response = request.make_json_response(body, status=status)
        if isinstance(exc, MailPluginRateLimited | TooManyRequests):
            response.headers["Retry-After"] = str(int(exc.retry_after or 60))
        return response
