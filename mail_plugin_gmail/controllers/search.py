from odoo import http
from odoo.http import request

from .common import json_route


class MailPluginSearchController(http.Controller):
    """The newer add-on's record search (contacts, projects, leads, tasks, tickets)."""

    @json_route(["/mail_plugin/search_records", "/mail_plugin/search_records/<string:model>"])
    def search_records(self, model=None, query=None, **kwargs):
        """``[rows, total]``; ``{"error": ...}`` for a model it cannot search (shown by the add-on)."""
        return request.env["mail.plugin.search"]._search_records(model, query)
