"""Attack cases: each test is named after what an attacker tries, and checks it fails cleanly.

Data endpoints merged later are exercised when their route exists (skipped otherwise, with the
reason), so the suite grows with the module.
"""

import base64
import json
import xmlrpc.client
from urllib.parse import urlencode

import requests

from odoo.exceptions import AccessError
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

    def route_or_skip(self, path, token, params):
        response = self.rpc(path, params, token=token)
        if response.status_code == 404:
            self.skipTest(f"{path} is not served by this version of the module")
        return response

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

    # --- data endpoints (when served) --------------------------------------------------------
    def test_sql_and_html_payloads_in_partner_search(self):
        token = self.sign_in()
        before = self.env["res.partner"].sudo().search_count([])
        for payload in SQLISH + HTMLISH:
            response = self.route_or_skip("/mail_plugin/partner/search", token, {"search_term": payload})
            self.assertCleanError(response)
        self.assertEqual(self.env["res.partner"].sudo().search_count([]), before)

    def test_cross_company_partner_read_via_id(self):
        token = self.sign_in()
        response = self.route_or_skip(
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
        response = self.route_or_skip(
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
            response = self.route_or_skip(
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
            response = self.route_or_skip(
                "/mail_plugin/partner/get", token, {"partner_id": partner_id, "email": ""}
            )
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
            response = self.route_or_skip(
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
            response = self.route_or_skip("/mail_plugin/partner/create", token, {"name": "N", "email": email})
            body = self.assertCleanError(response)
            self.assertTrue("error" in body or "error" in (body.get("result") or {}), (email, body))
        self.assertEqual(self.env["res.partner"].sudo().search_count([]), before)

    def test_oversized_attachments(self):
        token = self.sign_in()
        partner = self.env["res.partner"].create({"name": "Big Target", "email": "big@example.com"})
        self.env["ir.config_parameter"].sudo().set_param("mail_plugin_gmail.max_attachment_mb", "0.001")
        counts = (
            self.env["mail.message"].sudo().search_count([]),
            self.env["ir.attachment"].sudo().search_count([]),
        )
        big = base64.b64encode(b"x" * 4096).decode()
        response = self.route_or_skip(
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
            response = self.rpc(path, params, token=token)
            if response.status_code == 404:
                continue  # app not installed
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
