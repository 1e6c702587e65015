from odoo import http
from odoo.http import request


def json_route(path):
    """A JSON-RPC endpoint of the signed-in add-on: Bearer token, no cookie session."""
    return http.route(path, type="json", auth="mail_plugin", cors="*", save_session=False)


def message_page(title, message, kind="error", status=200):
    """The module's one-message page (success, refusal, disabled) with an HTTP status."""
    response = request.render(
        "mail_plugin_gmail.message_page",
        {"title": title, "message": message, "kind": kind, "db": request.db},
    )
    response.status_code = status
    return response
