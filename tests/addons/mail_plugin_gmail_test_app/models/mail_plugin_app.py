from odoo import api, models


class MailPluginApp(models.AbstractModel):
    """The whole extension: claims on the contact's card, in searches, created from an
    email, logged on, opened from the older add-on's links."""

    _inherit = "mail.plugin.app"

    @api.model
    def _app_descriptions(self):
        descriptions = super()._app_descriptions()
        descriptions["mail.plugin.test.claim"] = {
            "key": "claim",
            "app": "Claims",
            "card": {"list": "claims", "count": "claim_count", "can_create": "can_create_claim"},
            "searchable": True,
            "search_fields": ["name", "reference"],
            "loggable": True,
            "company_field": "partner_id",
            "legacy_action": (
                "claim_mail_plugin.claim_action_form_edit",
                "mail_plugin_gmail_test_app.mail_plugin_test_claim_view_form",
            ),
        }
        return descriptions

    @api.model
    def _claim_rows(self, claims):
        return [
            {"claim_id": claim.id, "id": claim.id, "name": claim.name, "reference": claim.reference or ""}
            for claim in claims
        ]

    @api.model
    def _prepare_claim_values(self, partner, subject, body):
        return {
            "name": self._record_name(subject) or f"Claim of {partner.display_name}",
            "partner_id": partner.id,
            "description": body,
            "user_id": self.env.uid,
        }
