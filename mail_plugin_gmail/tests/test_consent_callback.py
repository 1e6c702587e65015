"""What the sign-in pages say about the callback a code goes to."""

import html

from odoo.tests import TransactionCase, tagged

from ..models.mail_plugin_auth_code import REDIRECT_PATTERNS_PARAM
from ..tools.callback_info import describe_callback
from .common import GMAIL_CALLBACK, MailPluginHttpCase

ADDIN_CALLBACK = "https://addin.example.net/auth_callback"


@tagged("post_install", "-at_install")
class TestDescribeCallback(TransactionCase):
    def test_shapes(self):
        self.assertEqual(describe_callback("")["kind"], "database")
        apps_script = describe_callback(GMAIL_CALLBACK)
        self.assertEqual(
            (apps_script["kind"], apps_script["script_id"], apps_script["allow_value"]),
            ("apps_script", "AKfycbz1a2b3c4d5e6f7g8h9", ""),
        )
        cases = {
            ADDIN_CALLBACK: ("addin.example.net", "/auth_callback", ADDIN_CALLBACK),
            ADDIN_CALLBACK + "?x=1#y": ("addin.example.net", "/auth_callback", ""),
            "https://ADDIN.example.net:8443/cb": (
                "addin.example.net:8443",
                "/cb",
                "https://addin.example.net:8443/cb",
            ),
            "https://addin.example.net:443/cb": ("addin.example.net", "/cb", "https://addin.example.net/cb"),
            "https://addin.example.net": ("addin.example.net", "/", "https://addin.example.net/"),
            "http://addin.example.net/cb": ("addin.example.net", "/cb", ""),
            "https://evil.example@good.example/cb": ("good.example", "/cb", ""),
            "https://*.example.net/cb": ("*.example.net", "/cb", ""),
            "https://addin.example.net/a*b": ("addin.example.net", "/a*b", ""),
            "not a url": ("", "", ""),
            "https://[::1/cb": ("", "", ""),
        }
        codes = self.env["mail.plugin.auth.code"]
        for redirect, expected in cases.items():
            info = describe_callback(redirect)
            self.assertEqual((info["host"], info["path"], info["allow_value"]), expected, redirect)
            if info["allow_value"]:
                # Valid in the setting's grammar, and it allows exactly that callback.
                self.env["ir.config_parameter"].set_param(REDIRECT_PATTERNS_PARAM, info["allow_value"])
                self.assertTrue(codes._is_redirect_allowed(redirect), redirect)


@tagged("post_install", "-at_install")
class TestConsentCallback(MailPluginHttpCase):
    def allow(self, value):
        self.env["ir.config_parameter"].sudo().set_param("mail_plugin_gmail.redirect_patterns", value)

    def page(self, redirect, login=True):
        if login:
            self.authenticate("mp_alice", "mp_alice_pw1")
        response = self.url_open(self.auth_url(redirect=redirect), allow_redirects=False)
        return response, html.unescape(response.text)

    def test_refusal_shows_host_path_and_value_to_paste(self):
        for login in (True, False):
            response, text = self.page(ADDIN_CALLBACK, login=login)
            self.assertEqual(response.status_code, 400)
            self.assertIn("Unknown add-on", text)
            self.assertIn('o_mail_plugin_callback_host">addin.example.net<', text)
            self.assertIn('o_mail_plugin_callback_path">/auth_callback<', text)
            self.assertIn(f'white-space: pre-wrap;">{ADDIN_CALLBACK}<', text)
            self.assertIn("o_mail_plugin_allow_value", text)
            self.assertIn('href="/web#action=base_setup.action_general_configuration"', text)
            self.assertIn("Extra allowed sign-in callbacks", text)
            # No way to allow it from this page: no form, no button, no link carrying the value.
            self.assertNotIn("<form", text)
            self.assertNotIn("<button", text)
            self.assertNotIn("redirect_patterns", text)
            self.assertEqual(text.count(ADDIN_CALLBACK), 1)
            self.assertNotIn("o_mail_plugin_consent_form", text)

    def test_refusal_of_what_cannot_be_allowed(self):
        for redirect in (
            "http://addin.example.net/auth_callback",
            "https://evil.example@good.example/cb",
            ADDIN_CALLBACK + "?next=https://evil.example",
        ):
            response, text = self.page(redirect)
            self.assertEqual(response.status_code, 400)
            self.assertNotIn("o_mail_plugin_allow_value", text)
            self.assertIn("cannot be allowed", text)

    def test_value_shown_is_accepted_once_pasted(self):
        _response, text = self.page(ADDIN_CALLBACK)
        self.assertIn(ADDIN_CALLBACK, text)
        self.allow(ADDIN_CALLBACK)
        response, text = self.page(ADDIN_CALLBACK)
        self.assertEqual(response.status_code, 200)
        self.assertIn("o_mail_plugin_consent_form", text)

    def test_consent_shows_where_the_code_goes(self):
        _response, text = self.page(GMAIL_CALLBACK)
        self.assertIn("a Google Apps Script project", text)
        self.assertIn('o_mail_plugin_callback_script">AKfycbz1a2b3c4d5e6f7g8h9<', text)
        self.assertIn("the name the add-on gives itself", text)

        self.allow(ADDIN_CALLBACK)
        self.authenticate("mp_alice", "mp_alice_pw1")
        response = self.url_open(self.auth_url(redirect=ADDIN_CALLBACK, friendlyname="Odoo Mail"))
        text = html.unescape(response.text)
        self.assertIn('o_mail_plugin_callback_host">addin.example.net<', text)
        self.assertIn("Odoo Mail", text)
        self.assertNotIn("Google Apps Script", text)

        response = self.url_open(self.auth_url(redirect=None))
        self.assertIn("No code leaves this database", html.unescape(response.text))
