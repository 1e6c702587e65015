"""Attack cases: each test is named after what an attacker tries, and checks it fails cleanly.

A route that disappears makes its tests fail: every call goes through ``served``, which
refuses an HTTP 404.
"""

import base64
import json
import xmlrpc.client
from urllib.parse import urlencode

import requests

from odoo.exceptions import AccessError, ValidationError
from odoo.modules.neutralize import neutralize_database
from odoo.tests import new_test_user, tagged

from .common import GMAIL_CALLBACK, MailPluginHttpCase

HOSTILE_REDIRECTS = [
    "https://evil.example/steal",
    "http://script.google.com/macros/d/AKfycbz1a2b3c4d5e6f7g8h9/usercallback",
    "https://script.google.com.evil.example/macros/d/AKfycbz1a2b3c4d5e6f7g8h9/usercallback",
    "https://script.google.com@evil.example/macros/d/AKfycbz1a2b3c4d5e6f7g8h9/usercallback",
    "https://script.google.com/macros/d/AKfycbz1a2b3c4d5e6f7g8h9/usercallback/../../../../evil",
    "https://script.google.com/macros/d/AKfycbz1a2b3c4d5e6f7g8h9/usercallback?next=https://evil.example",
    "https://script.google.com/macros/d/AKfycbz1a2b3c4d5e6f7g8h9/usercallback#frag",
    "https://script.google.com/macros/d/AKfycbz1a2b3c4d5e6f7g8h9/usercallback\r\nSet-Cookie: x=1",
    "https://script.google.com\\@evil.example/macros/d/AKfycbz1a2b3c4d5e6f7g8h9/usercallback",
    "//evil.example/mail_plugin/auth/success",
    "/\\evil.example",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "https://evil.example/mail_plugin/auth/success",
]
SQLISH = ["' OR 1=1 --", "'; DROP TABLE res_partner; --", '" OR ""="', "%' AND 1=1 AND '%'='", "\\'"]
HTMLISH = ['<script>alert("x")</script>', '"><img src=x onerror=alert(1)>', "{{ 7*7 }}", "<t t-out='1'/>"]


@tagged("post_install", "-at_install")
class TestAttacks(MailPluginHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.mallory = new_test_user(
            cls.env,
            login="mp_mallory",
            password="mp_mallory_pw1",
            name="Mallory",
            groups="base.group_user",
            email="mallory@example.com",
        )
        cls.other_company = cls.env["res.company"].create({"name": "Other Company Ltd"})
        cls.foreign_partner = cls.env["res.partner"].create(
            {
                "name": "Secret Foreign Partner",
                "email": "secret@foreign.example",
                "company_id": cls.other_company.id,
            }
        )

    # --- helpers -----------------------------------------------------------------------------
    def code_count(self):
        return self.env["mail.plugin.auth.code"].sudo().search_count([])

    def confirm_fields(self, **overrides):
        """The consent form's hidden fields for a logged-in user, with some overridden."""
        page = self.url_open(self.auth_url())
        self.assertEqual(page.status_code, 200)
        csrf = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        fields = {
            "csrf_token": csrf,
            "redirect": GMAIL_CALLBACK,
            "scope": "outlook",
            "state": "s",
            "friendlyname": "Gmail",
            "do": "1",
        }
        fields.update(overrides)
        return fields

    def assertCleanError(self, response, status=(200, 400, 403, 404, 413, 429)):
        self.assertIn(response.status_code, status, response.text[:300])
        body = response.json()
        self.assertNotIn("Traceback", response.text)
        self.assertNotIn("debug", json.dumps(body.get("error", {})))
        return body

    def served(self, path, token, params):
        """A call to a route that must exist: a 404 fails the test instead of hiding it."""
        response = self.rpc(path, params, token=token)
        self.assertNotEqual(response.status_code, 404, f"{path} is not served")
        return response

    def set_callbacks(self, patterns):
        self.env["ir.config_parameter"].sudo().set_param("mail_plugin_gmail.redirect_patterns", patterns)

    def assertCallbackRefused(self, redirect):
        """Neither the consent page nor a forged confirmation lets a code go to ``redirect``."""
        page = self.url_open(self.auth_url(redirect=redirect), allow_redirects=False)
        self.assertEqual(page.status_code, 400, redirect)
        self.assertNotIn("o_mail_plugin_consent_form", page.text)
        response = self.url_open(
            "/mail_plugin/auth/confirm", data=self.confirm_fields(redirect=redirect), allow_redirects=False
        )
        self.assertEqual(response.status_code, 400, redirect)
        self.assertNotIn("Location", response.headers)
        self.assertEqual(self.code_count(), 0, redirect)

    # --- sign-in -----------------------------------------------------------------------------
    def test_open_redirect_on_consent_page(self):
        self.authenticate("mp_alice", "mp_alice_pw1")
        for redirect in HOSTILE_REDIRECTS:
            page = self.url_open(self.auth_url(redirect=redirect), allow_redirects=False)
            self.assertEqual(page.status_code, 400, redirect)
            self.assertNotIn("o_mail_plugin_consent_form", page.text)

    def test_open_redirect_by_forging_confirm_form(self):
        self.authenticate("mp_alice", "mp_alice_pw1")
        for redirect in HOSTILE_REDIRECTS:
            response = self.url_open(
                "/mail_plugin/auth/confirm",
                data=self.confirm_fields(redirect=redirect),
                allow_redirects=False,
            )
            self.assertEqual(response.status_code, 400, redirect)
            self.assertNotIn("Location", response.headers)
        self.assertEqual(self.code_count(), 0)

    def test_code_replay(self):
        code = self.query_of(self.consent())["auth_code"]
        token = self.rpc("/mail_plugin/auth/access_token", {"auth_code": code}).json()["result"][
            "access_token"
        ]
        replay = self.rpc("/mail_plugin/auth/access_token", {"auth_code": code}).json()["result"]
        self.assertEqual(replay, {"error": "Invalid code"})
        self.assertIn("Access token invalid", self.rpc("/mail_plugin/get_translations", token=token).text)

    def test_code_for_other_user(self):
        """Mallory's session cannot mint a code for Alice, whatever fields she adds."""
        self.authenticate("mp_mallory", "mp_mallory_pw1")
        fields = self.confirm_fields(uid=str(self.user.id), user_id=str(self.user.id), login="mp_alice")
        response = self.url_open("/mail_plugin/auth/confirm", data=fields, allow_redirects=False)
        code = self.query_of(response)["auth_code"]
        token = self.rpc("/mail_plugin/auth/access_token", {"auth_code": code}).json()["result"][
            "access_token"
        ]
        uid = self.env["mail.plugin.connection"].sudo()._authenticate_token(token)
        self.assertEqual(uid, self.mallory.id)

    def test_code_of_other_scope_or_shape(self):
        for code in ["", " ", "x", "a" * 20, "a" * 129, "../../etc/passwd", "NULL", "0" * 64]:
            response = self.rpc("/mail_plugin/auth/access_token", {"auth_code": code})
            self.assertEqual(self.assertCleanError(response)["result"], {"error": "Invalid code"})

    def test_code_brute_force_rate_limited(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "mail_plugin_gmail.rate_limit.code_failure_address", "10/600"
        )
        statuses = [
            self.rpc("/mail_plugin/auth/access_token", {"auth_code": f"guess{i:040d}"}).status_code
            for i in range(15)
        ]
        self.assertEqual(statuses, [200] * 10 + [429] * 5)

    def test_expired_code(self):
        code = self.query_of(self.consent())["auth_code"]
        self.env.cr.execute(
            "UPDATE mail_plugin_auth_code SET expires_at = now() at time zone 'utc' - interval '1 second'"
        )
        self.assertEqual(
            self.rpc("/mail_plugin/auth/access_token", {"auth_code": code}).json()["result"],
            {"error": "Invalid code"},
        )

    def test_csrf_on_confirm(self):
        self.authenticate("mp_alice", "mp_alice_pw1")
        for csrf in [None, "", "forged", "0" * 40 + "o9999999999"]:
            fields = self.confirm_fields()
            if csrf is None:
                del fields["csrf_token"]
            else:
                fields["csrf_token"] = csrf
            response = self.url_open("/mail_plugin/auth/confirm", data=fields, allow_redirects=False)
            self.assertEqual(response.status_code, 400)
        self.assertEqual(self.code_count(), 0)

    def test_csrf_token_of_other_session_on_confirm(self):
        self.authenticate("mp_mallory", "mp_mallory_pw1")
        mallory_csrf = self.confirm_fields()["csrf_token"]
        self.authenticate("mp_alice", "mp_alice_pw1")
        response = self.url_open(
            "/mail_plugin/auth/confirm",
            data=self.confirm_fields(csrf_token=mallory_csrf),
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.code_count(), 0)

    def test_confirm_by_get_request(self):
        self.authenticate("mp_alice", "mp_alice_pw1")
        query = urlencode(self.confirm_fields())
        response = self.url_open(f"/mail_plugin/auth/confirm?{query}", allow_redirects=False)
        self.assertIn(response.status_code, (403, 404, 405))
        self.assertEqual(self.code_count(), 0)

    def test_confirm_by_options_or_other_csrf_free_method(self):
        """Odoo adds OPTIONS to every route and skips the CSRF check on it (and on HEAD, TRACE):
        none of them, nor any other method than POST, may grant."""
        self.authenticate("mp_alice", "mp_alice_pw1")
        fields = self.confirm_fields()
        del fields["csrf_token"]
        for method in ("OPTIONS", "HEAD", "TRACE", "GET", "PUT", "PATCH", "DELETE"):
            for query, body in ((urlencode(fields), None), ("", fields)):
                response = self.opener.request(
                    method,
                    f"{self.base_url()}/mail_plugin/auth/confirm?{query}",
                    data=body,
                    allow_redirects=False,
                    timeout=30,
                )
                self.assertIn(response.status_code, (400, 403, 404, 405), method)
                self.assertNotIn("auth_code", response.headers.get("Location", ""), method)
        self.assertEqual(self.code_count(), 0)

    def test_code_in_success_page_url(self):
        """Without a callback of the add-on, Allow ends on the Success page itself: no code is
        issued, so none can sit in a URL, a browser history or an access log."""
        base_url = self.env["ir.config_parameter"].sudo().get_param("web.base.url")
        for redirect in (None, "/mail_plugin/auth/success", base_url + "/mail_plugin/auth/success"):
            response = self.consent(redirect=redirect)
            self.assertEqual(response.status_code, 200, redirect)
            self.assertNotIn("Location", response.headers)
            self.assertIn("Success!", response.text)
            self.assertNotIn("auth_code", response.text)
            self.assertEqual(self.code_count(), 0, redirect)
        denied = self.consent(redirect=None, allow=False)
        self.assertEqual(denied.status_code, 200)
        self.assertIn("Not connected", denied.text)

    def test_callback_wildcard_crosses_path(self):
        """``*.`` is one host label: it never reaches into the path, the user name or a
        longer host name."""
        self.set_callbacks("https://*.example.com/auth_callback")
        self.authenticate("mp_alice", "mp_alice_pw1")
        for redirect in (
            "https://evil.com/x.example.com/auth_callback",
            "https://evil.com/.example.com/auth_callback",
            "https://evil.com#.example.com/auth_callback",
            "https://evil.com?.example.com/auth_callback",
            "https://x.example.com@evil.com/auth_callback",
            "https://a.b.example.com/auth_callback",
            "https://example.com/auth_callback",
            "https://x.example.com.evil.com/auth_callback",
            "https://x.example.com/auth_callback/more",
            "https://x.example.com/auth_callback?next=https://evil.com",
            "http://x.example.com/auth_callback",
        ):
            self.assertCallbackRefused(redirect)
        response = self.consent(redirect="https://addin.example.com/auth_callback")
        self.assertTrue(response.headers["Location"].startswith("https://addin.example.com/auth_callback?"))

    def test_callback_glob_suffix_reaches_other_host(self):
        """``https://addin.example.com*`` was a glob: it is refused when saved, and typed in
        System Parameters, it allows nothing (not even the host it names)."""
        settings = self.env["res.config.settings"].create({})
        with self.assertRaises(ValidationError):
            settings.mail_plugin_gmail_redirect_patterns = "https://addin.example.com*"
            settings.flush_recordset()
        self.set_callbacks("https://addin.example.com*")
        self.authenticate("mp_alice", "mp_alice_pw1")
        for redirect in (
            "https://addin.example.com@evil.com/cb",
            "https://addin.example.com.evil.com/cb",
            "https://addin.example.com/cb",
        ):
            self.assertCallbackRefused(redirect)

    def test_callback_subtree_escaped_by_path_tricks(self):
        self.set_callbacks("https://addin.example.com/cb/*")
        self.authenticate("mp_alice", "mp_alice_pw1")
        for redirect in (
            "https://addin.example.com/cb",
            "https://addin.example.com/cbx/y",
            "https://addin.example.com/cb/../evil",
            "https://addin.example.com/cb/%2e%2e/evil",
            "https://addin.example.com/cb/%2F%2Fevil.com",
            "https://addin.example.com/cb/x\\evil.com",
            "https://addin.example.com:8443/cb/x",
            "https://addin.example.com@evil.com/cb/x",
            "https://addin.example.com.evil.com/cb/x",
            "https://addin.example.com/cb/x#https://evil.com",
        ):
            self.assertCallbackRefused(redirect)
        response = self.consent(redirect="https://addin.example.com/cb/deep/auth_callback")
        self.assertEqual(self.query_of(response)["success"], "1")

    def test_callback_pattern_outside_grammar_refused_when_saved(self):
        for pattern in (
            "https://addin.example.com*",
            "https://*.example.com*",
            "https://*example.com/cb",
            "https://a.*.example.com/cb",
            "https://*.*.example.com/cb",
            "https://*/cb",
            "https://addin.example.com/c*b",
            "https://addin.example.com/*/cb",
            "https://user@addin.example.com/cb",
            "https://addin.example.com/cb?x=1",
            "https://addin.example.com/cb#f",
            "http://addin.example.com/cb",
            "addin.example.com/cb",
            "https://addin.example.com/cb/../x",
            "https://addin.example.com:99999/cb",
            "https://addin.example.com/ok, *",
        ):
            with self.assertRaises(ValidationError, msg=pattern):
                self.env["res.config.settings"].create({"mail_plugin_gmail_redirect_patterns": pattern})
        settings = self.env["res.config.settings"].create(
            {
                "mail_plugin_gmail_redirect_patterns": "https://addin.example.com/auth_callback, "
                "https://*.example.org/cb/*  https://addin.example.com:8443/"
            }
        )
        settings.execute()
        self.assertEqual(len(self.env["mail.plugin.auth.code"]._admin_patterns()), 3)

    def test_code_exchanged_for_other_redirect_or_scope(self):
        """A client that names the callback or scope at exchange gets nothing on a mismatch;
        the add-ons, which send the code alone, are bound by the callback the code went to."""
        code = self.query_of(self.consent())["auth_code"]
        for extra in (
            {"redirect_uri": "https://evil.example/cb"},
            {"redirect_uri": GMAIL_CALLBACK + "x"},
            {"scope": "rpc"},
            {"scope": ["outlook"]},
            {"redirect_uri": {"x": 1}},
        ):
            answer = self.rpc("/mail_plugin/auth/access_token", {"auth_code": code, **extra})
            self.assertEqual(self.assertCleanError(answer)["result"], {"error": "Invalid code"}, extra)
        answer = self.rpc(
            "/mail_plugin/auth/access_token",
            {"auth_code": code, "redirect_uri": GMAIL_CALLBACK, "scope": "outlook"},
        )
        token = answer.json()["result"]["access_token"]
        key = self.env["mail.plugin.connection"].sudo().search([("user_id", "=", self.user.id)]).apikey_id
        self.assertEqual(key.scope, "odoo.plugin.outlook")
        self.assertIn("result", self.rpc("/mail_plugin/get_translations", token=token).json())

    def test_neutralized_copy_stays_on(self):
        """Odoo's neutralize (the add-on's neutralize.sql with every other module's) leaves
        no way in: API, reachability probe and consent page all refuse."""
        token = self.sign_in()
        neutralize_database(self.env.cr)
        self.env.registry.clear_cache()
        self.assertFalse(self.env["ir.config_parameter"].sudo().get_param("mail_plugin_gmail.enabled"))
        self.assertEqual(self.rpc("/mail_plugin/get_translations", token=token).status_code, 404)
        self.assertEqual(self.rpc("/mail_plugin/auth/access_token", {"auth_code": None}).status_code, 404)
        self.assertEqual(self.rpc("/mail_plugin/auth/check_version").status_code, 404)
        self.authenticate("mp_alice", "mp_alice_pw1")
        self.assertEqual(self.url_open(self.auth_url(), allow_redirects=False).status_code, 404)
        self.set_enabled(True)  # switched on again by hand: the tokens are gone anyway
        self.assertIn("Access token invalid", self.rpc("/mail_plugin/get_translations", token=token).text)

    def test_feature_flag_typed_as_false(self):
        """System Parameters hold text: "False", "0", "off" (or anything unknown) mean off."""
        token = self.sign_in()
        self.authenticate("mp_alice", "mp_alice_pw1")
        for value in ("False", "false", "0", "off", "no", "n", " ", "disabled"):
            self.env["ir.config_parameter"].sudo().set_param("mail_plugin_gmail.enabled", value)
            self.assertEqual(self.rpc("/mail_plugin/get_translations", token=token).status_code, 404, value)
            probe = self.rpc("/mail_plugin/auth/access_token", {"auth_code": None})
            self.assertEqual(probe.status_code, 404, value)
            self.assertEqual(self.url_open(self.auth_url(), allow_redirects=False).status_code, 404, value)
            self.assertFalse(self.env["res.config.settings"].create({}).mail_plugin_gmail_enabled, value)
        for value in ("True", "1", "yes", "on"):
            self.env["ir.config_parameter"].sudo().set_param("mail_plugin_gmail.enabled", value)
            self.assertEqual(self.rpc("/mail_plugin/get_translations", token=token).status_code, 200, value)

    def test_deleted_connection_key_adopted_again(self):
        """Deleting a connection (an administrator, through RPC or the list) revokes its key;
        a user cannot delete one at all."""
        token = self.sign_in()
        connection = self.env["mail.plugin.connection"].sudo().search([("user_id", "=", self.user.id)])
        key = connection.apikey_id
        with self.assertRaises(AccessError):
            connection.with_user(self.mallory).unlink()
        with self.assertRaises(AccessError):
            connection.with_user(self.user).unlink()
        connection.with_user(self.env.ref("base.user_admin")).unlink()
        self.assertFalse(key.exists())
        for _attempt in range(2):
            self.assertIn("Access token invalid", self.rpc("/mail_plugin/get_translations", token=token).text)
        self.assertFalse(self.env["mail.plugin.connection"].sudo().search([("user_id", "=", self.user.id)]))

    def test_framing_of_consent_page(self):
        self.authenticate("mp_alice", "mp_alice_pw1")
        page = self.url_open(self.auth_url())
        self.assertEqual(page.headers.get("X-Frame-Options"), "DENY")
        self.assertIn("frame-ancestors 'none'", page.headers.get("Content-Security-Policy", ""))

    def test_html_injection_in_consent_page(self):
        self.authenticate("mp_alice", "mp_alice_pw1")
        for payload in HTMLISH:
            page = self.url_open(self.auth_url(friendlyname=payload, state=payload))
            self.assertEqual(page.status_code, 200)
            self.assertNotIn("<script>alert", page.text)
            self.assertNotIn("<img src=x", page.text)

    def test_header_injection_through_state(self):
        response = self.consent(state="a\r\nSet-Cookie: pwned=1")
        self.assertEqual(response.status_code, 303)
        self.assertNotIn("pwned", response.headers.get("Set-Cookie", ""))
        self.assertEqual(self.query_of(response)["state"], "a\r\nSet-Cookie: pwned=1")

    def test_scope_escalation_on_consent(self):
        self.authenticate("mp_alice", "mp_alice_pw1")
        for scope in ["rpc", "odoo.plugin.outlook", "outlook rpc", "*", ""]:
            page = self.url_open(self.auth_url(scope=scope), allow_redirects=False)
            self.assertEqual(page.status_code, 400, scope)
            response = self.url_open(
                "/mail_plugin/auth/confirm", data=self.confirm_fields(scope=scope), allow_redirects=False
            )
            self.assertEqual(response.status_code, 400, scope)
        self.assertEqual(self.code_count(), 0)

    def test_scope_escalation_plugin_token_as_rpc_password(self):
        token = self.sign_in()
        common = xmlrpc.client.ServerProxy(f"{self.base_url()}/xmlrpc/2/common")
        self.assertFalse(common.authenticate(self.env.cr.dbname, "mp_alice", token, {}))

    def test_scope_escalation_global_api_key_as_plugin_token(self):
        """A key made for another use (here one without scope) does not open the add-on API."""
        key = self.env["res.users.apikeys"].with_user(self.user)._generate(None, "Global key")
        response = self.rpc("/mail_plugin/get_translations", token=key)
        self.assertIn("Access token invalid", response.text)

    # --- tokens ------------------------------------------------------------------------------
    def test_token_in_wrong_scheme(self):
        token = self.sign_in()
        for headers in [
            {"Authorization": f"Basic {token}"},
            {"Authorization": f"Token {token}"},
            {"Authorization": token},
            {"X-Access-Token": token},
        ]:
            body = self.assertCleanError(self.rpc("/mail_plugin/get_translations", headers=headers))
            self.assertNotIn("result", body)

    def test_token_in_url_or_params(self):
        token = self.sign_in()
        self.env.flush_all()
        payload = {"jsonrpc": "2.0", "method": "call", "params": {"access_token": token, "token": token}}
        response = requests.post(
            f"{self.base_url()}/mail_plugin/get_translations?access_token={token}", json=payload, timeout=30
        )
        self.assertNotIn("result", self.assertCleanError(response))

    def test_browser_session_instead_of_token(self):
        """A logged-in browser (cookies) must not reach the add-on's API: that would be CSRF."""
        self.authenticate("mp_alice", "mp_alice_pw1")
        response = self.opener.post(
            f"{self.base_url()}/mail_plugin/get_translations", json={"params": {}}, timeout=30
        )
        self.assertIn("Access token missing", response.text)

    def test_revoked_token(self):
        token = self.sign_in()
        self.env["mail.plugin.connection"].sudo().search([("user_id", "=", self.user.id)]).action_revoke()
        self.assertIn("Access token invalid", self.rpc("/mail_plugin/get_translations", token=token).text)

    def test_revoke_connection_of_other_user(self):
        self.sign_in()
        connection = self.env["mail.plugin.connection"].sudo().search([("user_id", "=", self.user.id)])
        with self.assertRaises(AccessError):
            connection.with_user(self.mallory).action_revoke()
        self.assertTrue(connection.exists())

    def test_archived_user(self):
        token = self.sign_in()
        self.user.active = False
        self.assertIn("Access token invalid", self.rpc("/mail_plugin/get_translations", token=token).text)

    def test_portal_user(self):
        new_test_user(self.env, login="mp_portal2", password="mp_portal2_pw", groups="base.group_portal")
        self.authenticate("mp_portal2", "mp_portal2_pw")
        self.assertEqual(self.url_open(self.auth_url(), allow_redirects=False).status_code, 403)
        token = self.sign_in()
        self.user.groups_id = [(6, 0, [self.env.ref("base.group_portal").id])]
        self.assertIn("Access token invalid", self.rpc("/mail_plugin/get_translations", token=token).text)

    def test_token_brute_force_rate_limited(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "mail_plugin_gmail.rate_limit.token_failure_address", "5/600"
        )
        statuses = [
            self.rpc("/mail_plugin/get_translations", token=f"{i:040x}").status_code for i in range(8)
        ]
        self.assertEqual(statuses, [200] * 5 + [429] * 3)

    def test_huge_token(self):
        body = self.assertCleanError(self.rpc("/mail_plugin/get_translations", token="a" * 8000))
        self.assertNotIn("result", body)

    # --- the JSON-RPC envelope ---------------------------------------------------------------
    def test_malformed_bodies(self):
        token = self.sign_in()
        auth = {"Authorization": f"Bearer {token}"}
        for data in [
            b"",
            b"{",
            b"[]",
            b"null",
            b"1",
            b'"x"',
            b'{"params": []}',
            b'{"params": "x"}',
            b'{"params": {"self": 1}}',
            b"\xff\xfe\x00",
            b"[" * 50_000 + b"]" * 50_000,
            b'{"params": {"a": NaN}}',
            b'{"params": ' + b'{"a":' * 5000 + b"1" + b"}" * 5001,
        ]:
            response = self.rpc_raw("/mail_plugin/get_translations", data, headers=auth)
            body = self.assertCleanError(response)
            if "result" not in body:
                self.assertIn("message", body["error"])
                self.assertNotIn("Internal error", body["error"]["message"], data[:40])

    def test_wrong_content_type(self):
        for content_type in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
        ]:
            response = self.rpc_raw(
                "/mail_plugin/auth/access_token", b'{"params": {}}', headers={"Content-Type": content_type}
            )
            self.assertCleanError(response)

    def test_cors_preflight_still_answered(self):
        """The envelope checks must not break the browser add-ins' preflight (no body)."""
        response = self.opener.options(
            f"{self.base_url()}/mail_plugin/get_translations",
            headers={"Origin": "https://outlook.office.com", "Access-Control-Request-Method": "POST"},
            timeout=30,
        )
        self.assertEqual(response.status_code, 204)
        self.assertIn("Authorization", response.headers.get("Access-Control-Allow-Headers", ""))

    def test_error_echoes_request_id(self):
        data = json.dumps({"jsonrpc": "2.0", "id": 42, "params": {"self": 1}})
        self.assertEqual(self.rpc_raw("/mail_plugin/auth/access_token", data).json()["id"], 42)

    def test_oversized_body(self):
        self.env["ir.config_parameter"].sudo().set_param("mail_plugin_gmail.max_request_size", 1024 * 1024)
        data = json.dumps({"params": {"auth_code": "x" * (2 * 1024 * 1024)}})
        response = self.rpc_raw("/mail_plugin/auth/access_token", data)
        self.assertEqual(response.status_code, 413)
        self.assertIn("Request too large", response.json()["error"]["message"])

    def test_sql_and_html_payloads_in_code(self):
        for payload in SQLISH + HTMLISH:
            response = self.rpc("/mail_plugin/auth/access_token", {"auth_code": payload * 5})
            self.assertEqual(self.assertCleanError(response)["result"], {"error": "Invalid code"})

    # --- texts no column can store: NUL and lone surrogates ------------------------------------
    def raw_call(self, path, params, token=None, headers=None):
        """A call whose body is written by hand: lone surrogates travel as JSON escapes
        ("\\ud800"), as a hostile client sends them."""
        all_headers = {"Authorization": f"Bearer {token}"} if token else {}
        all_headers.update(headers or {})
        data = json.dumps({"jsonrpc": "2.0", "id": 3, "params": params}, ensure_ascii=True)
        return self.rpc_raw(path, data.encode(), headers=all_headers)

    def assertRefusedText(self, response, name=None):
        """A clean JSON-RPC error about an unstorable text (naming ``name``), never a 500."""
        self.assertEqual(response.status_code, 200, response.text[:300])
        body = response.json()
        self.assertNotIn("result", body, response.text[:300])
        message = body["error"]["data"]["message"]
        self.assertIn("null character or half of a Unicode pair", message)
        if name:
            self.assertIn(name, message)
        self.assertNotIn("debug", body["error"]["data"])
        self.assertNotIn("Traceback", response.text)

    def test_lone_surrogate_in_log_mail_content_model(self):
        token = self.sign_in()
        partner = self.env["res.partner"].create({"name": "Log Target", "email": "target@example.com"})
        before = self.env["mail.message"].sudo().search_count([])
        with self.assertNoLogs(level="ERROR"):
            for bad in ("\ud800", "res.partner\udfff", "\x00", "res\x00.partner"):
                params = {"model": bad, "res_id": partner.id, "body": "x", "attachments": []}
                self.assertRefusedText(self.raw_call("/mail_plugin/log_mail_content", params, token), "model")
        self.assertEqual(self.env["mail.message"].sudo().search_count([]), before)

    def test_nul_inside_search_records_list_query(self):
        token = self.sign_in()
        with self.assertNoLogs(level="ERROR"):
            for query in (["alice", "b\x00b"], ["\ud83d"], [["deep", ["er\x00"]]], [{"k\x00": 1}]):
                response = self.raw_call("/mail_plugin/search_records", {"query": query}, token)
                self.assertRefusedText(response, "query")

    def test_nul_and_surrogates_at_any_depth_of_params(self):
        token = self.sign_in()
        for params in (
            {"search_term": "\x00"},
            {"search_term": "ok", "extra": {"a": [1, {"b": "\ud800x"}]}},
            {"search_term": "ok", "extra\x00": 1},
            {"search_term": "ok", "\udc00": 1},
            {"search_term": ["x" * 10, {"\ud800": None}]},
        ):
            self.assertRefusedText(self.raw_call("/mail_plugin/partner/search", params, token))
        outside = json.dumps({"jsonrpc": "2.0", "id": "\x00", "method": "\ud800", "params": {}})
        auth = {"Authorization": f"Bearer {token}"}
        response = self.rpc_raw("/mail_plugin/partner/search", outside, headers=auth)
        self.assertRefusedText(response)

    def test_nul_in_bearer_token(self):
        """Refused as an invalid token and counted as a failure, with no query that fails."""
        self.env.cr.execute("DELETE FROM mail_plugin_rate_limit")
        token = self.sign_in()
        with self.assertNoLogs(level="ERROR"):
            for bad in (token[:8] + "\x00" + token[9:], "\x00" * 40, token + "\x00", "ab\x00cdefgh"):
                response = self.rpc("/mail_plugin/get_translations", token=bad)
                self.assertIn("Access token invalid", self.clean_error(response)["message"])
        self.env.cr.execute(
            "SELECT sum(hits) FROM mail_plugin_rate_limit WHERE key LIKE 'token_failure_address:%%'"
        )
        self.assertEqual(self.env.cr.fetchone()[0], 4)

    def test_nul_in_headers_and_query(self):
        token = self.sign_in()
        with self.assertNoLogs(level="ERROR"):
            response = self.rpc("/mail_plugin/get_translations", token=token, headers={"X-Client": "a\x00b"})
            self.assertRefusedText(response, "X-Client")
            response = self.rpc("/mail_plugin/get_translations?lang=fr%00", token=token)
            self.assertRefusedText(response, "lang")
            response = self.rpc("/mail_plugin/get_translations?%00=1", token=token)
            self.assertRefusedText(response)
            response = self.rpc(
                "/mail_plugin/auth/access_token", {"auth_code": "a" * 30}, headers={"Origin": "\x00"}
            )
            self.assertRefusedText(response, "Origin")

    def test_nul_in_consent_or_confirm_fields(self):
        """The browser pages answer a 400 page, never a 500, and issue nothing."""
        self.authenticate("mp_alice", "mp_alice_pw1")
        with self.assertNoLogs(level="ERROR"):
            for field in ("redirect", "state", "friendlyname", "scope"):
                page = self.url_open(self.auth_url(**{field: "a\x00b"}), allow_redirects=False)
                self.assertEqual(page.status_code, 400, field)
                self.assertIn("null character", page.text)
                self.assertNotIn("o_mail_plugin_consent_form", page.text)
                fields = self.confirm_fields(**{field: "a\x00b"})
                response = self.url_open("/mail_plugin/auth/confirm", data=fields, allow_redirects=False)
                self.assertEqual(response.status_code, 400, field)
                self.assertNotIn("Location", response.headers)
                self.assertIn("null character", response.text)
            response = self.url_open(
                "/mail_plugin/auth/confirm", data=self.confirm_fields(**{"x\x00": "1"}), allow_redirects=False
            )
            self.assertEqual(response.status_code, 400)
            page = self.url_open("/mail_plugin/auth/success?success=1%00")
            self.assertEqual(page.status_code, 400)
            page = self.url_open("/mail_plugin/redirect_to_record/res.partner%00?record_id=1")
            self.assertEqual(page.status_code, 400)
            self.authenticate("admin", "admin")
            for path in (
                "/mail_plugin_gmail/setup?addin=a%00b",
                "/mail_plugin_gmail/appsscript.json?build=%00",
            ):
                page = self.url_open(path)
                self.assertEqual(page.status_code, 400, path)
                self.assertIn("null character", page.text)
        self.assertEqual(self.code_count(), 0)

    def test_chunked_body_over_size_limit(self):
        """Without Content-Length (chunked), the limit holds on the bytes actually read."""
        self.env["ir.config_parameter"].sudo().set_param("mail_plugin_gmail.max_request_size", 1024 * 1024)
        self.env.flush_all()
        body = json.dumps({"params": {"auth_code": "x" * (3 * 1024 * 1024)}}).encode()

        def post_chunked(data):
            """POST ``data`` without Content-Length, in pieces of 64 KB."""
            pieces = (data[start : start + 64 * 1024] for start in range(0, len(data), 64 * 1024))
            return requests.post(
                f"{self.base_url()}/mail_plugin/auth/access_token",
                data=pieces,
                headers={"Content-Type": "application/json"},
                timeout=60,
            )

        response = post_chunked(body)
        self.assertEqual(response.status_code, 413)
        self.assertIn("Request too large", response.json()["error"]["message"])
        response = post_chunked(json.dumps({"params": {"auth_code": None}}).encode())
        self.assertEqual(response.json()["result"], {"error": "Invalid code"})
        # Within the limit, in many pieces: read whole (the 1 MB reads of the body span them).
        padded = json.dumps({"params": {"auth_code": None, "pad": "y" * (900 * 1024)}}).encode()
        self.assertEqual(post_chunked(padded).json()["result"], {"error": "Invalid code"})

    # --- data endpoints --------------------------------------------------------------------
    def test_sql_and_html_payloads_in_partner_search(self):
        token = self.sign_in()
        before = self.env["res.partner"].sudo().search_count([])
        for payload in SQLISH + HTMLISH:
            response = self.served("/mail_plugin/partner/search", token, {"search_term": payload})
            self.assertCleanError(response)
        self.assertEqual(self.env["res.partner"].sudo().search_count([]), before)

    def test_cross_company_partner_read_via_id(self):
        token = self.sign_in()
        response = self.served(
            "/mail_plugin/partner/get",
            token,
            {"partner_id": self.foreign_partner.id, "email": "", "name": ""},
        )
        self.assertCleanError(response)
        self.assertNotIn("Secret Foreign Partner", response.text)
        self.assertNotIn("secret@foreign.example", response.text)

    def test_cross_company_log_on_partner_via_id(self):
        token = self.sign_in()
        before = self.env["mail.message"].sudo().search_count([])
        response = self.served(
            "/mail_plugin/log_mail_content",
            token,
            {
                "model": "res.partner",
                "res_id": self.foreign_partner.id,
                "message": "x",
                "body": "x",
                "attachments": [],
            },
        )
        body = self.assertCleanError(response)
        self.assertTrue("error" in body or "error" in (body.get("result") or {}), body)
        self.assertEqual(self.env["mail.message"].sudo().search_count([]), before)

    def test_log_on_forbidden_models(self):
        token = self.sign_in()
        before = self.env["mail.message"].sudo().search_count([])
        for model, res_id in [
            ("res.users", self.user.id),
            ("ir.config_parameter", 1),
            ("res.users.apikeys", 1),
            ("mail.plugin.connection", 1),
            ("ir.cron", 1),
            ("nonexistent.model", 1),
        ]:
            response = self.served(
                "/mail_plugin/log_mail_content",
                token,
                {"model": model, "res_id": res_id, "message": "x", "body": "x", "attachments": []},
            )
            body = self.assertCleanError(response)
            self.assertTrue("error" in body or "error" in (body.get("result") or {}), (model, body))
        self.assertEqual(self.env["mail.message"].sudo().search_count([]), before)

    def test_negative_and_huge_ids(self):
        token = self.sign_in()
        for partner_id in [-1, 0, 2**31, 2**63, -(2**63), "1; DROP TABLE res_partner", 1.5, [1], {"id": 1}]:
            response = self.served("/mail_plugin/partner/get", token, {"partner_id": partner_id, "email": ""})
            body = self.assertCleanError(response)
            self.assertNotIn("Internal error", json.dumps(body))

    def test_bad_base64_and_oversized_attachments(self):
        token = self.sign_in()
        partner = self.env["res.partner"].create({"name": "Log Target", "email": "target@example.com"})
        before = (
            self.env["mail.message"].sudo().search_count([]),
            self.env["ir.attachment"].sudo().search_count([]),
        )
        for attachments in [
            [["a.txt", "not base64!!"]],
            [["a.txt"]],
            "x",
            [[1, 2]],
            [["a.txt", "QUJD"], ["b", "%%%"]],
        ]:
            response = self.served(
                "/mail_plugin/log_mail_content",
                token,
                {
                    "model": "res.partner",
                    "res_id": partner.id,
                    "message": "x",
                    "body": "x",
                    "attachments": attachments,
                },
            )
            body = self.assertCleanError(response)
            self.assertTrue("error" in body or "error" in (body.get("result") or {}), (attachments, body))
        after = (
            self.env["mail.message"].sudo().search_count([]),
            self.env["ir.attachment"].sudo().search_count([]),
        )
        self.assertEqual(before, after)

    def test_invalid_emails_on_partner_create(self):
        token = self.sign_in()
        before = self.env["res.partner"].sudo().search_count([])
        for email in [
            "not-an-email",
            "a@b@c",
            "<script>@x.y",
            "x" * 400 + "@example.com",
            "a@b.c\r\nBcc: x@y.z",
            42,
        ]:
            response = self.served("/mail_plugin/partner/create", token, {"name": "N", "email": email})
            body = self.assertCleanError(response)
            self.assertTrue("error" in body or "error" in (body.get("result") or {}), (email, body))
        self.assertEqual(self.env["res.partner"].sudo().search_count([]), before)

    def test_many_empty_attachments(self):
        """20,000 empty attachments fit in a small request: the count is limited, not only the
        size, and nothing is written."""
        token = self.sign_in()
        partner = self.env["res.partner"].create({"name": "Many Target", "email": "many@example.com"})
        counts = (
            self.env["mail.message"].sudo().search_count([]),
            self.env["ir.attachment"].sudo().search_count([]),
        )
        params = {"model": "res.partner", "res_id": partner.id, "body": "x"}
        params["attachments"] = [["a", ""]] * 20_000
        error = self.clean_error(self.served("/mail_plugin/log_mail_content", token, params))
        self.assertIn("Too many attachments: 20000, while one email may bring 100", error["message"])
        self.env["ir.config_parameter"].sudo().set_param("mail_plugin_gmail.max_attachments", "3")
        params["attachments"] = [["a", ""]] * 4
        error = self.clean_error(self.served("/mail_plugin/log_mail_content", token, params))
        self.assertIn("one email may bring 3", error["message"])
        if "crm.lead" in self.env:
            lead = {"email_subject": "S", "partner_id": partner.id, "attachments": [["a", ""]] * 4}
            self.clean_error(self.served("/mail_plugin/lead/create", token, lead))
        self.assertEqual(
            counts,
            (
                self.env["mail.message"].sudo().search_count([]),
                self.env["ir.attachment"].sudo().search_count([]),
            ),
        )
        params["attachments"] = [["a", ""]] * 3
        self.assertTrue(self.served("/mail_plugin/log_mail_content", token, params).json()["result"])

    def test_error_text_tells_foreign_record_from_missing_one(self):
        """A record of another company and an id that does not exist get the same answer."""
        token = self.sign_in()
        missing = 2**31 - 1
        foreign = self.foreign_partner
        calls = [
            ("/mail_plugin/log_mail_content", {"model": "res.partner", "body": "x"}, "res_id", foreign),
            ("/mail_plugin/partner/get", {"email": ""}, "partner_id", foreign),
            ("/mail_plugin/partner/enrich_and_create_company", {}, "partner_id", foreign),
        ]
        if "crm.lead" in self.env:
            calls.append(("/mail_plugin/lead/create", {"email_subject": "S"}, "partner_id", foreign))
        if "project.project" in self.env:
            company = self.other_company
            project = self.env["project.project"].create({"name": "Foreign", "company_id": company.id})
            own = self.env["res.partner"].create({"name": "Own", "email": "own.text@example.com"})
            calls.append(("/mail_plugin/task/create", {"partner_id": own.id}, "project_id", project))
            calls.append(("/mail_plugin/task/create", {"project_id": project.id}, "partner_id", foreign))
        for path, params, id_name, record in calls:
            answers = []
            for res_id in (record.id, missing):
                body = self.served(path, token, {**params, id_name: res_id}).json()
                error = body.get("error", {}).get("data", {}).get("message")
                answers.append(error or body["result"]["error"])
            self.assertEqual(answers[0], answers[1], path)
            self.assertIn("does not exist or you are not allowed to see it", answers[0], path)

    def test_attachment_default_below_what_the_add_on_sends(self):
        """The add-ons send up to 40 MB of attachments: the default limit takes them, and the
        request limit leaves room for them base64-encoded."""
        params = self.env["ir.config_parameter"].sudo()
        for key in ("max_attachment_mb", "max_attachments", "max_request_size"):
            params.set_param(f"mail_plugin_gmail.{key}", False)
        self.assertEqual(self.env["mail.plugin.email"]._max_attachment_bytes(), 40 * 1024 * 1024)
        self.assertEqual(self.env["res.config.settings"].create({}).mail_plugin_gmail_max_attachment_mb, 40)
        # Just under the request limit (40 MB base64-encoded, 24 MB of margin) is read; above, 413.
        limit = -(-40 * 1024 * 1024 * 4 // 3) + 24 * 1024 * 1024
        for size, status in ((limit - 1024, 200), (limit + 1, 413)):
            head, tail = b'{"params": {"auth_code": "', b'"}}'
            data = head + b"x" * (size - len(head) - len(tail)) + tail
            self.assertEqual(len(data), size)
            response = self.rpc_raw("/mail_plugin/auth/access_token", data)
            self.assertEqual(response.status_code, status, size)

    def test_oversized_attachments(self):
        token = self.sign_in()
        partner = self.env["res.partner"].create({"name": "Big Target", "email": "big@example.com"})
        self.env["ir.config_parameter"].sudo().set_param("mail_plugin_gmail.max_attachment_mb", "0.001")
        counts = (
            self.env["mail.message"].sudo().search_count([]),
            self.env["ir.attachment"].sudo().search_count([]),
        )
        big = base64.b64encode(b"x" * 4096).decode()
        response = self.served(
            "/mail_plugin/log_mail_content",
            token,
            {
                "model": "res.partner",
                "res_id": partner.id,
                "body": "x",
                "attachments": [["a.bin", big], ["b.bin", big]],
            },
        )
        body = self.assertCleanError(response)
        self.assertIn("error", body)
        self.assertEqual(
            counts,
            (
                self.env["mail.message"].sudo().search_count([]),
                self.env["ir.attachment"].sudo().search_count([]),
            ),
        )

    def test_cross_company_contact_on_new_lead_or_task(self):
        token = self.sign_in()
        for path, extra in [
            ("/mail_plugin/lead/create", {}),
            ("/mail_plugin/task/create", {"project_id": 1}),
        ]:
            params = {"email_subject": "S", "email_body": "B", "partner_id": self.foreign_partner.id, **extra}
            response = self.served(path, token, params)  # without the app: "not installed"
            body = self.assertCleanError(response)
            self.assertTrue("error" in body or "error" in (body.get("result") or {}), (path, body))
            self.assertNotIn("Secret Foreign Partner", response.text)

    def test_foreign_project_for_new_task(self):
        if "project.project" not in self.env:
            self.skipTest("Project is not installed")
        token = self.sign_in()
        project = self.env["project.project"].create(
            {"name": "Foreign Project", "company_id": self.other_company.id}
        )
        own = self.env["res.partner"].create({"name": "Own Contact", "email": "own@example.com"})
        before = self.env["project.task"].sudo().search_count([])
        response = self.rpc(
            "/mail_plugin/task/create",
            {"email_subject": "S", "email_body": "B", "partner_id": own.id, "project_id": project.id},
            token=token,
        )
        body = self.assertCleanError(response)
        self.assertTrue("error" in body or "error" in (body.get("result") or {}), body)
        self.assertEqual(self.env["project.task"].sudo().search_count([]), before)
