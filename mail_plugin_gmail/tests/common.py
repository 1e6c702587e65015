import html
import re
from urllib.parse import parse_qs, urlencode, urlparse

import requests

from odoo.tests import HttpCase, new_test_user

HIDDEN_INPUT = r'<input type="hidden" name="(\w+)" value="([^"]*)"'
GMAIL_CALLBACK = "https://script.google.com/macros/d/AKfycbz1a2b3c4d5e6f7g8h9/usercallback"


class MailPluginHttpCase(HttpCase):
    """Drives the module as the add-on and a browser do: plain HTTP, no session for the add-on."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].sudo().set_param("mail_plugin_gmail.enabled", True)
        # Rate limit counters left by earlier runs on this database must not refuse our calls.
        cls.env.cr.execute("DELETE FROM mail_plugin_rate_limit")
        cls.user = new_test_user(
            cls.env,
            login="mp_alice",
            password="mp_alice_pw1",
            name="Alice Plugin",
            groups="base.group_user,base.group_partner_manager",
            email="alice@example.com",
        )

    # --- helpers -------------------------------------------------------------------------
    @classmethod
    def grant_app_groups(cls, *xmlids):
        """Give the add-on's user these groups of the apps that are installed (the groups of
        an app that is not are left out)."""
        for xmlid in xmlids:
            group = cls.env.ref(xmlid, raise_if_not_found=False)
            if group:
                cls.user.groups_id = [(4, group.id)]

    def set_enabled(self, enabled):
        self.env["ir.config_parameter"].sudo().set_param("mail_plugin_gmail.enabled", enabled)

    def rpc(self, path, params=None, token=None, headers=None):
        """A JSON-RPC call exactly as the add-on sends it; returns the ``requests`` response."""
        self.env.flush_all()  # the server thread shares this cursor, not this ORM cache
        all_headers = {"Content-Type": "application/json"}
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        all_headers.update(headers or {})
        payload = {"id": 0, "jsonrpc": "2.0", "method": "call", "params": params or {}}
        return requests.post(self.base_url() + path, json=payload, headers=all_headers, timeout=60)

    def rpc_raw(self, path, data, headers=None):
        self.env.flush_all()
        all_headers = {"Content-Type": "application/json"}
        all_headers.update(headers or {})
        return requests.post(self.base_url() + path, data=data, headers=all_headers, timeout=60)

    def auth_url(self, redirect=GMAIL_CALLBACK, state="st4te-token", friendlyname="Gmail", scope="outlook"):
        params = {"redirect": redirect, "friendlyname": friendlyname, "state": state, "scope": scope}
        return "/mail_plugin/auth?" + urlencode({k: v for k, v in params.items() if v is not None})

    def consent(self, login="mp_alice", password="mp_alice_pw1", allow=True, **auth_params):
        """Log in in a browser session, open the consent page, press Allow or Deny.

        Returns the 303 response of the confirmation.
        """
        self.authenticate(login, password)
        page = self.url_open(self.auth_url(**auth_params), allow_redirects=False)
        self.assertEqual(page.status_code, 200, page.text[:500])
        fields = {name: html.unescape(value) for name, value in re.findall(HIDDEN_INPUT, page.text)}
        fields["do"] = "1" if allow else ""
        return self.url_open("/mail_plugin/auth/confirm", data=fields, allow_redirects=False)

    def clean_error(self, response):
        """The JSON-RPC error of a call that must fail cleanly: HTTP 200, no result, no
        traceback nor debug data. Returns the error's data."""
        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.assertNotIn("result", body)
        self.assertNotIn("debug", body["error"]["data"])
        self.assertNotIn("Traceback", response.text)
        return body["error"]["data"]

    @staticmethod
    def query_of(response):
        return {k: v[0] for k, v in parse_qs(urlparse(response.headers["Location"]).query).items()}

    def sign_in(self, login="mp_alice", password="mp_alice_pw1"):
        """The whole add-on sign-in; returns the access token."""
        code = self.query_of(self.consent(login, password))["auth_code"]
        result = self.rpc("/mail_plugin/auth/access_token", {"auth_code": code}).json()["result"]
        return result["access_token"]
