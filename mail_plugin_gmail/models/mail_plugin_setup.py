"""On-premise set-up: the add-on manifest and the set-up guide for this database."""

import json
import re
from urllib.parse import urlsplit

from odoo import api, models

from ..tools.addon_builds import (
    APPS_SCRIPT_BUILDS,
    APPS_SCRIPT_MANIFEST,
    APPS_SCRIPT_README,
    DEFAULT_APPS_SCRIPT_BUILD,
    HTTP_ADDIN,
    PATHS_2023,
    archive_url,
    file_url,
)

# Settings, General Settings: where the Mail Plugin block and its allowed callbacks are.
SETTINGS_URL = "/web#action=base_setup.action_general_configuration"
# The manifest offered when no build is named: every path under the database's address that
# the Apps Script add-on fetches, in both of its generations (2023: partner/project search;
# 2025: search_records, redirect_to_record, check_version), besides one search and one link
# path per searchable model (_addon_paths). Google refuses any fetch that no urlFetchWhitelist
# entry covers.
ADDON_PATHS = (*PATHS_2023, "/mail_plugin/auth/check_version")
# Called by the 2023 add-on directly, not through the database: it stays as it is.
ADDON_EXTERNAL_URLS = APPS_SCRIPT_BUILDS["ef529cda8"]["external_urls"]
ADDON_SCOPES = (
    "https://www.googleapis.com/auth/userinfo.email",
    "https://www.googleapis.com/auth/gmail.addons.execute",
    "https://www.googleapis.com/auth/gmail.addons.current.message.readonly",
    "https://www.googleapis.com/auth/script.external_request",
)
ADDON_LOGO = "https://raw.githubusercontent.com/odoo/mail-client-extensions/master/outlook/assets/odoo.png"
# The add-in's own address, as an administrator types it in the guide: HTTPS, host, no path.
ADDIN_HOST = re.compile(r"^https://[a-z0-9.-]+(:[0-9]{1,5})?$")


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
    def _addon_whitelist(self, base_url=None, build=None):
        """What the Apps Script ``build`` may fetch from this database: exactly the paths its own
        manifest allows on odoo.com; without ``build``, every path any build fetches."""
        base_url = (base_url or self._base_url()).rstrip("/")
        if build:
            build = APPS_SCRIPT_BUILDS[build]
            return [base_url + path for path in build["paths"]] + list(build["external_urls"])
        return [base_url + path for path in self._addon_paths()] + list(ADDON_EXTERNAL_URLS)

    @api.model
    def _addon_manifest(self, base_url=None, build=None):
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
            "urlFetchWhitelist": self._addon_whitelist(base_url, build),
        }

    @api.model
    def _addon_manifest_json(self, base_url=None, build=None):
        return json.dumps(self._addon_manifest(base_url, build), indent=2) + "\n"

    @api.model
    def _addin_host(self, value):
        """The self-hosted add-in's address typed in the guide, cleaned; "" when unusable."""
        value = (value or "").strip().rstrip("/").lower()
        return value if ADDIN_HOST.fullmatch(value) else ""

    @api.model
    def _apps_script_guide(self, base_url):
        """One entry per Apps Script build, newest first, for the guide."""
        builds = []
        for key, build in APPS_SCRIPT_BUILDS.items():
            commit = build["commit"]
            builds.append(
                {
                    "key": key,
                    "commit": commit,
                    "archive_url": archive_url(commit),
                    "manifest_path": APPS_SCRIPT_MANIFEST,
                    "manifest_url": f"/mail_plugin_gmail/appsscript.json?build={key}",
                    "readme_path": APPS_SCRIPT_README,
                    "readme_url": file_url(commit, APPS_SCRIPT_README),
                    "edits": [
                        {
                            "path": path,
                            "line_number": number,
                            "line": line,
                            "action": action,
                            "url": file_url(commit, path, number),
                        }
                        for path, number, line, action in build["edits"]
                    ],
                    "replacement": build["replacement"],
                    "whitelist": self._addon_whitelist(base_url, key),
                    "is_default": key == DEFAULT_APPS_SCRIPT_BUILD,
                }
            )
        return builds

    @api.model
    def _http_addin_guide(self, base_url, addin_host):
        """The self-hosted HTTP add-in's values for this database and ``addin_host``."""
        commit = HTTP_ADDIN["commit"]
        host = addin_host or "https://addin.example.com"
        host_path, host_number, host_line = HTTP_ADDIN["host_line"]
        trigger_path, trigger_number, trigger_line = HTTP_ADDIN["trigger_line"]
        return {
            "commit": commit,
            "archive_url": archive_url(commit),
            "host": host,
            "host_given": bool(addin_host),
            "callback": host + HTTP_ADDIN["callback_path"],
            "trigger_url": host + HTTP_ADDIN["trigger_path"],
            "port": HTTP_ADDIN["port"],
            "host_edit": {
                "path": host_path,
                "line_number": host_number,
                "line": host_line,
                "new_line": host_line.replace("https://<domain>", host),
                "url": file_url(commit, host_path, host_number),
            },
            "trigger_edit": {
                "path": trigger_path,
                "line_number": trigger_number,
                "line": trigger_line,
                "new_line": trigger_line.replace("https://<domain>", host),
                "url": file_url(commit, trigger_path, trigger_number),
            },
            "readme_path": HTTP_ADDIN["readme"],
            "readme_url": file_url(commit, HTTP_ADDIN["readme"]),
            "database_script": HTTP_ADDIN["database_script"],
            "database_script_url": file_url(commit, HTTP_ADDIN["database_script"]),
        }

    @api.model
    def _guide_values(self, addin_host=""):
        """What the set-up page fills in."""
        base_url = self._base_url()
        addin_host = self._addin_host(addin_host)
        # sudo: the page is for administrators (checked by the controller); it shows the
        # callbacks already allowed so that they do not add one twice.
        params = self.env["ir.config_parameter"].sudo()
        allowed = params.get_param("mail_plugin_gmail.redirect_patterns") or ""
        return {
            "base_url": base_url,
            "domain": urlsplit(base_url).netloc,
            "https": base_url.startswith("https://"),
            "enabled": self.env["mail.plugin.connection"]._feature_enabled(),
            "allowed_callbacks": [item for item in re.split(r"[\s,]+", allowed) if item],
            "settings_url": SETTINGS_URL,
            "addin_host_typed": bool(addin_host),
            "http_addin": self._http_addin_guide(base_url, addin_host),
            "apps_script_builds": self._apps_script_guide(base_url),
        }
