from odoo import http
from odoo.addons.web.controllers.action import Action
from odoo.exceptions import MissingError
from odoo.http import request


class MailPluginLegacyActions(Action):
    """The older add-on links to action xml ids of Odoo's connector modules; see
    ``mail.plugin.records._legacy_addon_action``."""

    @http.route()
    def load(self, action_id, additional_context=None):
        try:
            return super().load(action_id, additional_context=additional_context)
        except MissingError:
            action = isinstance(action_id, str) and request.env["mail.plugin.records"]._legacy_addon_action(
                action_id
            )
            if not action:
                raise
            return action
