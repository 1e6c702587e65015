"""The add-on's answer while the database cannot be reached (restart, failover, network).

Without it, a request arriving during an outage gets either Odoo's HTML 404 (Odoo cannot
list the databases, so it serves the request "without database", where the add-on's routes
do not exist) or an "internal error" naming the driver's exception. The add-on cannot tell
those from "this is not an Odoo server". Instead, every JSON route of the add-on answers a
JSON-RPC error with a stable message, HTTP 503 and ``Retry-After``: "try again".

The part without database patches Odoo's dispatcher when the module's Python code is loaded
(``post_load``): in a server started with ``-d``/``--database`` (prefork preloads it) or with
the module in ``server_wide_modules``, so that it also holds in a worker that has not loaded
the database yet.
"""

import json
import logging
from contextlib import closing

import psycopg2

from odoo import _, http, sql_db

_logger = logging.getLogger(__name__)

RETRY_AFTER = 5
# Error classes of PostgreSQL meaning "not now" rather than "wrong request": connection
# exceptions, operator intervention (shutdown, restart, cancel), lock and serialization
# failures left after Odoo's own retries.
TRANSIENT_SQLSTATE_CLASSES = ("08", "57", "40", "55")
# Pages a browser opens; every other /mail_plugin/ route speaks JSON-RPC.
HTML_PATHS = ("/mail_plugin/auth", "/mail_plugin/auth/confirm", "/mail_plugin/auth/success")
HTML_PREFIXES = ("/mail_plugin/redirect_to_record/",)
MAX_ID_BODY = 64 * 1024


def is_add_on_json_path(path):
    path = path.rstrip("/")
    return (
        path.startswith("/mail_plugin/")
        and path not in HTML_PATHS
        and not (path + "/").startswith(HTML_PREFIXES)
    )


def is_database_unavailable(exc):
    """Whether ``exc`` says the database could not serve the request right now."""
    if isinstance(exc, psycopg2.InterfaceError):
        return True
    if isinstance(exc, psycopg2.OperationalError):
        code = exc.pgcode
        return not code or code[:2] in TRANSIENT_SQLSTATE_CLASSES
    return False


def unavailable_response(request_id=None):
    """JSON-RPC error "try again" with HTTP 503 and ``Retry-After``."""
    message = _("The database is not available right now. Try again in a moment.")
    body = {
        "jsonrpc": "2.0",
        "id": request_id,
        "error": {
            "code": 503,
            "message": message,
            "data": {
                "name": "werkzeug.exceptions.ServiceUnavailable",
                "message": message,
                "arguments": [message],
            },
        },
    }
    response = http.request.make_json_response(body, status=503)
    response.headers["Retry-After"] = str(RETRY_AFTER)
    return response


def _request_id(httprequest):
    """The caller's JSON-RPC id, echoed in the answer when the body is small and valid."""
    if (httprequest.content_length or 0) > MAX_ID_BODY:
        return None
    try:
        payload = json.loads(httprequest.get_data(as_text=True) or "null")
    except (ValueError, RecursionError):
        return None
    return payload.get("id") if isinstance(payload, dict) else None


def _database_unreachable(httprequest):
    """Whether the request was served without database because of an outage (rather than
    because no database matches the host): PostgreSQL refuses connections, or it answers
    again and has a database for this host, so the failure was transient. The query is not
    logged when it fails: the outage is the expected reason."""
    try:
        with closing(sql_db.db_connect("postgres").cursor()) as cr:
            cr.execute(
                "SELECT datname FROM pg_database WHERE datallowconn AND NOT datistemplate",
                log_exceptions=False,
            )
            databases = [name for (name,) in cr.fetchall()]
    except psycopg2.Error:
        return True
    return bool(http.db_filter(databases, host=httprequest.environ.get("HTTP_HOST")))


def _serve_nodb_or_unavailable(original):
    def _serve_nodb(self):
        httprequest = self.httprequest
        if is_add_on_json_path(httprequest.path) and _database_unreachable(httprequest):
            _logger.warning("mail plugin: database not available, %s answered 'try again'", httprequest.path)
            return unavailable_response(_request_id(httprequest))
        return original(self)

    _serve_nodb.mail_plugin_gmail = True
    return _serve_nodb


def patch_dispatcher():
    """Answer the add-on's routes with "try again" when Odoo serves them without database."""
    original = http.Request._serve_nodb
    if not getattr(original, "mail_plugin_gmail", False):
        http.Request._serve_nodb = _serve_nodb_or_unavailable(original)
