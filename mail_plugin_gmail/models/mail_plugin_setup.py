"""On-premise set-up: the add-on manifest and the set-up guide for this database."""

import json
from urllib.parse import urlsplit

from odoo import api, models

# Every path under the database's address that the Apps Script add-on fetches, in both of its
# generations (2023: partner/project search; 2025: search_records, redirect_to_record,
# check_version), besides one search and one link path per searchable model (_addon_paths).
# Google refuses any fetch that no urlFetchWhitelist entry covers.
ADDON_PATHS = (
    "/mail_plugin/get_translations",
    "/mail_plugin/partner/get",
    "/mail_plugin/log_mail_content",
    "/mail_plugin/partner/search",
    "/mail_plugin/partner/create",
    "/mail_plugin/partner/enrich_and_create_company",
    "/mail_plugin/partner/enrich_and_update_company",
    "/mail_plugin/lead/create",
    "/mail_plugin/ticket/create",
    "/mail_plugin/project/search",
    "/mail_plugin/project/create",
    "/mail_plugin/task/create",
    "/web/login",
    "/mail_plugin/auth",
    "/mail_plugin/auth/access_token",
    "/mail_plugin/auth/check_version",
)
# Called by the 2023 add-on directly, not through the database: it stays as it is.
ADDON_EXTERNAL_URLS = ("https://iap-services.odoo.com/iap/mail_extension/enrich",)
ADDON_SCOPES = (
    "https://www.googleapis.com/auth/userinfo.email",
    "https://www.googleapis.com/auth/gmail.addons.execute",
    "https://www.googleapis.com/auth/gmail.addons.current.message.readonly",
    "https://www.googleapis.com/auth/script.external_request",
)
ADDON_LOGO = "https://raw.githubusercontent.com/odoo/mail-client-extensions/master/outlook/assets/odoo.png"
ADDON_SOURCE = "https://github.com/odoo/mail-client-extensions"


class MailPluginSetup(models.AbstractModel):
    """What an administrator needs to publish the add-on for this database."""

    _name = "mail.plugin.setup"
    _description = "Mail Plugin On-Premise Set-up"

    @api.model
    def _base_url(self):
        """The address users type in the add-on: the one Odoo builds its links with."""
        # sudo: web.base.url is public anyway (every page links with it); only it is read.
        return (self.env["ir.config_parameter"].sudo().get_param("web.base.url") or "").rstrip("/")

    @api.model
    def _addon_paths(self):
        models = self.env["mail.plugin.app"]._app_models("searchable")
        return [
            *ADDON_PATHS,
            *(f"/mail_plugin/search_records/{model}" for model in models),
            *(f"/mail_plugin/redirect_to_record/{model}" for model in models),
        ]

    @api.model
    def _addon_whitelist(self, base_url=None):
        base_url = (base_url or self._base_url()).rstrip("/")
        return [base_url + path for path in self._addon_paths()] + list(ADDON_EXTERNAL_URLS)

    @api.model
    def _addon_manifest(self, base_url=None):
        """The add-on's appsscript.json, allowed to reach this database instead of odoo.com."""
        return {
            "oauthScopes": list(ADDON_SCOPES),
            "gmail": {
                "name": "Odoo",
                "logoUrl": ADDON_LOGO,
                "contextualTriggers": [
                    {"unconditional": {}, "onTriggerFunction": "onGmailMessageOpen"},
                ],
                "primaryColor": "#875A7B",
                "secondaryColor": "#00A09D",
                "openLinkUrlPrefixes": ["*"],
            },
            "runtimeVersion": "V8",
            "urlFetchWhitelist": self._addon_whitelist(base_url),
        }

    @api.model
    def _addon_manifest_json(self, base_url=None):
        return json.dumps(self._addon_manifest(base_url), indent=2) + "\n"

    @api.model
    def _guide_values(self):
        """What the set-up page fills in."""
        base_url = self._base_url()
        return {
            "base_url": base_url,
            "domain": urlsplit(base_url).netloc,
            "addon_source": ADDON_SOURCE,
            "enabled": self.env["mail.plugin.connection"]._feature_enabled(),
            "whitelist": self._addon_whitelist(base_url),
        }
