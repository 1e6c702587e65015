from datetime import timedelta

from odoo import fields
from odoo.tests import new_test_user, tagged

from .common import GMAIL_CALLBACK, MailPluginHttpCase


@tagged("post_install", "-at_install")
class TestAuthFlow(MailPluginHttpCase):
    def test_logged_out_user_goes_through_login_and_back(self):
        response = self.url_open(self.auth_url(), allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        location = response.headers["Location"]
        self.assertIn("/web/login?redirect=", location)
        self.assertIn("%2Fmail_plugin%2Fauth%3F", location)
        # After login, Odoo sends the browser to the consent page it came from.
        self.authenticate("mp_alice", "mp_alice_pw1")
        page = self.url_open(self.auth_url())
        self.assertEqual(page.status_code, 200)
        self.assertIn("o_mail_plugin_consent_form", page.text)

    def test_consent_page_names_app_user_and_database(self):
        self.authenticate("mp_alice", "mp_alice_pw1")
        page = self.url_open(self.auth_url(friendlyname="Gmail"))
        self.assertIn("Gmail", page.text)
        self.assertIn("Alice Plugin", page.text)
        self.assertIn("mp_alice", page.text)
        self.assertIn(self.env.cr.dbname, page.text)
        self.assertIn('action="/mail_plugin/auth/confirm"', page.text)
        self.assertEqual(page.headers.get("X-Frame-Options"), "DENY")

    def test_allow_redirects_with_code_and_state(self):
        response = self.consent(state="abc/+= 123")
        self.assertEqual(response.status_code, 303)
        self.assertTrue(response.headers["Location"].startswith(GMAIL_CALLBACK + "?"))
        query = self.query_of(response)
        self.assertEqual(query["success"], "1")
        self.assertEqual(query["state"], "abc/+= 123")
        self.assertGreaterEqual(len(query["auth_code"]), 40)

    def test_deny_redirects_without_code(self):
        response = self.consent(allow=False, state="keep-me")
        self.assertEqual(response.status_code, 303)
        query = self.query_of(response)
        self.assertEqual(query, {"success": "0", "state": "keep-me"})
        self.assertFalse(self.env["mail.plugin.auth.code"].sudo().search([]))

    def test_code_exchange_gives_plugin_api_key(self):
        token = self.sign_in()
        self.assertRegex(token, r"^[0-9a-f]{40}$")
        key = self.env["res.users.apikeys"].sudo().search([("user_id", "=", self.user.id)])
        self.assertEqual(len(key), 1)
        self.assertEqual(key.scope, "odoo.plugin.outlook")
        self.assertIn("Gmail", key.name)
        connection = self.env["mail.plugin.connection"].sudo().search([("user_id", "=", self.user.id)])
        self.assertEqual(connection.client_name, "Gmail")
        self.assertEqual(connection.apikey_id, key)

    def test_code_is_stored_only_as_hash(self):
        code = self.query_of(self.consent())["auth_code"]
        stored = self.env["mail.plugin.auth.code"].sudo().search([])
        self.assertEqual(len(stored), 1)
        self.assertNotEqual(stored.code_hash, code)
        self.assertNotIn(code, stored.code_hash)
        self.assertEqual(stored.redirect_uri, GMAIL_CALLBACK)
        self.assertEqual(stored.user_id, self.user)

    def test_reachability_probe_answers_2xx(self):
        response = self.rpc("/mail_plugin/auth/access_token", {"auth_code": None})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["result"], {"error": "Invalid code"})

    def test_bogus_code_refused(self):
        response = self.rpc("/mail_plugin/auth/access_token", {"auth_code": "x" * 43})
        self.assertEqual(response.json()["result"], {"error": "Invalid code"})

    def test_replayed_code_refused_and_token_revoked(self):
        code = self.query_of(self.consent())["auth_code"]
        first = self.rpc("/mail_plugin/auth/access_token", {"auth_code": code}).json()["result"]
        token = first["access_token"]
        self.assertTrue(self.rpc("/mail_plugin/get_translations", token=token).json()["result"] is not None)
        second = self.rpc("/mail_plugin/auth/access_token", {"auth_code": code}).json()["result"]
        self.assertEqual(second, {"error": "Invalid code"})
        refused = self.rpc("/mail_plugin/get_translations", token=token).json()
        self.assertNotIn("result", refused)
        self.assertIn("Access token invalid", refused["error"]["data"]["message"])

    def test_expired_code_refused(self):
        code = self.query_of(self.consent())["auth_code"]
        # Three minutes and a second later:
        stored = self.env["mail.plugin.auth.code"].sudo().search([])
        stored.expires_at = fields.Datetime.now() - timedelta(seconds=1)
        stored.flush_recordset()
        result = self.rpc("/mail_plugin/auth/access_token", {"auth_code": code}).json()["result"]
        self.assertEqual(result, {"error": "Invalid code"})

    def test_success_page_without_redirect(self):
        response = self.consent(redirect=None)
        self.assertEqual(response.status_code, 200)
        self.assertIn("Success!", response.text)
        self.assertIn("close this window", response.text)
        self.assertFalse(self.env["mail.plugin.auth.code"].sudo().search([]))
        page = self.url_open("/mail_plugin/auth/success?success=1")
        self.assertEqual(page.status_code, 200)
        self.assertIn("Success!", page.text)

    def test_portal_user_refused(self):
        new_test_user(self.env, login="mp_portal", password="mp_portal_pw1", groups="base.group_portal")
        self.authenticate("mp_portal", "mp_portal_pw1")
        page = self.url_open(self.auth_url(), allow_redirects=False)
        self.assertEqual(page.status_code, 403)
        self.assertIn("Only internal users", page.text)
        self.assertNotIn("o_mail_plugin_consent_form", page.text)
        self.assertFalse(self.env["mail.plugin.auth.code"].sudo().search([]))

    def test_unknown_redirect_refused(self):
        self.authenticate("mp_alice", "mp_alice_pw1")
        page = self.url_open(self.auth_url(redirect="https://evil.example/steal"), allow_redirects=False)
        self.assertEqual(page.status_code, 400)
        self.assertIn("Unknown add-on", page.text)
        self.assertNotIn("o_mail_plugin_consent_form", page.text)

    def test_confirm_requires_csrf(self):
        self.authenticate("mp_alice", "mp_alice_pw1")
        response = self.url_open(
            "/mail_plugin/auth/confirm",
            data={"redirect": GMAIL_CALLBACK, "scope": "outlook", "state": "s", "do": "1"},
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self.env["mail.plugin.auth.code"].sudo().search([]))

    def test_admin_redirect_pattern_allowed(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "mail_plugin_gmail.redirect_patterns", "https://addin.example.com/*"
        )
        response = self.consent(redirect="https://addin.example.com/auth_callback")
        self.assertTrue(response.headers["Location"].startswith("https://addin.example.com/auth_callback?"))
        self.assertEqual(self.query_of(response)["success"], "1")

    def test_code_of_archived_user_gives_no_token(self):
        code = self.query_of(self.consent())["auth_code"]
        self.user.active = False
        result = self.rpc("/mail_plugin/auth/access_token", {"auth_code": code}).json()["result"]
        self.assertEqual(result, {"error": "Invalid code"})

    def test_auth_page_explains_when_disabled(self):
        self.set_enabled(False)
        self.authenticate("mp_alice", "mp_alice_pw1")
        page = self.url_open(self.auth_url(), allow_redirects=False)
        self.assertEqual(page.status_code, 404)
        self.assertIn("administrator must activate Mail Plugin in Settings", page.text)
