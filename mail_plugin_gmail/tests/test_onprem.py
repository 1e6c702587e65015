import json
from unittest.mock import patch

from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged
from odoo.tools import config

from .common import MailPluginHttpCase

BASE = "https://odoo.example.com"
# The models the add-on searches and opens: the whitelist must cover each of them.
ADDON_RECORD_MODELS = ("res.partner", "crm.lead", "helpdesk.ticket", "project.task", "project.project")

# The add-on's own whitelist (Apps Script generations of 2023 and 2025), as paths.
ADDON_OLD = [
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
]
ADDON_NEW = (
    [path for path in ADDON_OLD if path not in ("/mail_plugin/partner/search", "/mail_plugin/project/search")]
    + [
        f"/mail_plugin/{kind}/{model}"
        for kind in ("search_records", "redirect_to_record")
        for model in ADDON_RECORD_MODELS
    ]
    + ["/mail_plugin/auth/check_version"]
)


@tagged("post_install", "-at_install")
class TestAddonManifest(TransactionCase):
    def test_whitelist_covers_every_endpoint(self):
        manifest = json.loads(self.env["mail.plugin.setup"]._addon_manifest_json(BASE + "/"))
        whitelist = manifest["urlFetchWhitelist"]
        for path in ADDON_OLD + ADDON_NEW:
            self.assertIn(BASE + path, whitelist)
        self.assertIn("https://iap-services.odoo.com/iap/mail_extension/enrich", whitelist)
        self.assertEqual(len(whitelist), len(set(whitelist)))
        ours = [url for url in whitelist if "iap-services" not in url]
        self.assertTrue(all(url.startswith(BASE + "/") for url in ours))
        self.assertEqual(len(ours), len(self.env["mail.plugin.setup"]._addon_paths()))

    def test_other_keys(self):
        manifest = self.env["mail.plugin.setup"]._addon_manifest(BASE)
        self.assertIn("https://www.googleapis.com/auth/script.external_request", manifest["oauthScopes"])
        self.assertEqual(len(manifest["oauthScopes"]), 4)
        trigger = manifest["gmail"]["contextualTriggers"][0]
        self.assertEqual(trigger["onTriggerFunction"], "onGmailMessageOpen")
        self.assertEqual(manifest["runtimeVersion"], "V8")

    def test_default_is_web_base_url(self):
        self.env["ir.config_parameter"].sudo().set_param("web.base.url", "https://erp.example.org")
        whitelist = self.env["mail.plugin.setup"]._addon_whitelist()
        self.assertIn("https://erp.example.org/mail_plugin/auth/access_token", whitelist)


@tagged("post_install", "-at_install")
class TestDiagnostics(TransactionCase):
    def facts(self, **overrides):
        facts = {
            "base_url": BASE,
            "frozen": True,
            "enabled": True,
            "request_host": BASE + "/",
            "databases": ["odoo", "odoo_test", "other"],
            "db_name": "odoo",
        }
        facts.update(overrides)
        return facts

    def check(self, dbfilter="^%d$", db_name="", probe=lambda url: (True, "HTTP 200"), **overrides):
        with patch.dict(config.options, {"dbfilter": dbfilter, "db_name": db_name}):
            results = self.env["mail.plugin.diagnostic"]._run_checks(self.facts(**overrides), probe)
        return {result["code"]: result for result in results}

    def assertStates(self, results, **expected):
        states = {code: result["state"] for code, result in results.items()}
        self.assertEqual(states, {**dict.fromkeys(states, "ok"), **expected})
        for code in expected:
            self.assertTrue(results[code]["hint"], f"{code} has no fix hint")

    def test_correct_setup(self):
        results = self.check()
        self.assertStates(results)
        self.assertEqual(set(results), {"enabled", "https", "host", "frozen", "dbfilter", "probe"})

    def test_port_and_case_do_not_matter(self):
        self.assertStates(self.check(request_host="https://ODOO.example.com:443/"))

    def test_http_base_url(self):
        results = self.check(base_url="http://odoo.example.com", request_host="http://odoo.example.com/")
        self.assertStates(results, https="error")

    def test_not_frozen(self):
        self.assertStates(self.check(frozen=False), frozen="warning")

    def test_other_host(self):
        results = self.check(request_host="https://10.0.0.5:8069/")
        self.assertStates(results, host="error")
        self.assertIn("10.0.0.5:8069", results["host"]["message"])
        self.assertStates(self.check(request_host="https://odoo.example.com:8069/"), host="error")
        self.assertStates(self.check(request_host="https://www.example.com/"), host="error")

    def test_toggle_off(self):
        results = self.check(enabled=False, probe=lambda url: (False, "HTTP 404"))
        self.assertStates(results, enabled="error", probe="error")

    def test_several_databases(self):
        results = self.check(dbfilter="")
        self.assertStates(results, dbfilter="error")
        self.assertIn("odoo, odoo_test, other", results["dbfilter"]["message"])
        # a filter too wide for the host: ^odoo matches odoo and odoo_test
        self.assertStates(self.check(dbfilter="^%d"), dbfilter="error")

    def test_database_option(self):
        self.assertStates(self.check(dbfilter="", db_name="odoo"))
        results = self.check(dbfilter="", db_name="other")
        self.assertStates(results, dbfilter="error")
        self.assertIn("hides", results["dbfilter"]["message"])

    def test_probe_fails(self):
        seen = []

        def probe(url):
            seen.append(url)
            return False, "ConnectTimeout"

        results = self.check(probe=probe)
        self.assertEqual(seen, [BASE])
        self.assertStates(results, probe="error")
        self.assertIn("ConnectTimeout", results["probe"]["message"])

    def test_no_request_host(self):
        self.assertStates(self.check(request_host=None), host="warning")

    def test_report(self):
        diagnostic = self.env["mail.plugin.diagnostic"]
        results = diagnostic._run_checks(self.facts(frozen=False), None)
        report = diagnostic._create_report(results, BASE)
        self.assertEqual(report.state, "error" if "error" in report.line_ids.mapped("state") else "warning")
        self.assertEqual(report.line_ids.mapped("code")[0], "enabled")

    def test_facts_of_this_server(self):
        facts = self.env["mail.plugin.diagnostic"]._gather_facts("https://x.example.com/")
        self.assertEqual(facts["db_name"], self.env.cr.dbname)
        self.assertIn(self.env.cr.dbname, facts["databases"])


@tagged("post_install", "-at_install")
class TestOnPremisePages(MailPluginHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin_user = new_test_user(
            cls.env,
            login="mp_root",
            password="mp_root_pw1",
            groups="base.group_user,base.group_system",
        )

    def test_download_for_admin(self):
        self.authenticate("mp_root", "mp_root_pw1")
        response = self.url_open("/mail_plugin_gmail/appsscript.json")
        self.assertEqual(response.status_code, 200)
        self.assertIn("attachment", response.headers["Content-Disposition"])
        base = self.env["ir.config_parameter"].sudo().get_param("web.base.url").rstrip("/")
        self.assertIn(base + "/mail_plugin/auth/access_token", response.json()["urlFetchWhitelist"])

    def test_download_refused_to_others(self):
        self.authenticate("mp_alice", "mp_alice_pw1")
        for path in ("/mail_plugin_gmail/appsscript.json", "/mail_plugin_gmail/setup"):
            response = self.url_open(path, allow_redirects=False)
            self.assertEqual(response.status_code, 403, path)
            self.assertNotIn("urlFetchWhitelist", response.text)
        self.authenticate(None, None)
        response = self.url_open("/mail_plugin_gmail/appsscript.json", allow_redirects=False)
        self.assertIn(response.status_code, (302, 303))
        self.assertIn("/web/login", response.headers["Location"])

    def test_setup_guide(self):
        self.authenticate("mp_root", "mp_root_pw1")
        response = self.url_open("/mail_plugin_gmail/setup")
        self.assertEqual(response.status_code, 200)
        base = self.env["ir.config_parameter"].sudo().get_param("web.base.url").rstrip("/")
        self.assertIn(base + "/mail_plugin/auth/check_version", response.text)
        self.assertIn("/mail_plugin_gmail/appsscript.json", response.text)

    def test_real_probe(self):
        diagnostic = self.env["mail.plugin.diagnostic"]
        self.env.flush_all()
        self.assertEqual(diagnostic._probe(self.base_url()), (True, "HTTP 200"))
        self.set_enabled(False)
        self.env.flush_all()
        self.assertEqual(diagnostic._probe(self.base_url()), (False, "HTTP 404"))
        self.assertFalse(diagnostic._probe("http://127.0.0.1:9")[0])

    def test_settings_button(self):
        settings = self.env["res.config.settings"].with_user(self.admin_user).create({})
        self.assertTrue(settings.mail_plugin_gmail_server_url)
        diagnostic_class = type(self.env["mail.plugin.diagnostic"])
        with patch.object(diagnostic_class, "_probe", lambda self, url: (True, "HTTP 200")):
            action = settings.action_mail_plugin_gmail_check_connection()
            report = self.env["mail.plugin.diagnostic"].browse(action["res_id"])
            again = report.with_user(self.admin_user).action_check()  # the dialog's Check again
        self.assertGreater(again["res_id"], report.id)
        self.assertEqual(action["res_model"], "mail.plugin.diagnostic")
        # web.base.url of the test server is plain http
        self.assertEqual(report.line_ids.filtered(lambda line: line.code == "https").state, "error")
        self.assertEqual(report.state, "error")


@tagged("post_install", "-at_install")
class TestOnPremiseTour(HttpCase):
    def test_check_connection_from_settings(self):
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("mail_plugin_gmail.enabled", False)
        diagnostic_class = type(self.env["mail.plugin.diagnostic"])
        # The test server answers one request at a time on the test cursor: a request to itself
        # from inside the button's request would wait for it, so the probe is stubbed here
        # (TestOnPremisePages.test_real_probe runs the real one).
        with patch.object(diagnostic_class, "_probe", lambda self, url: (True, "HTTP 200")):
            self.start_tour(
                "/web#action=base_setup.action_general_configuration",
                "mail_plugin_gmail_onprem_tour",
                login="admin",
            )
        self.assertEqual(params.get_param("mail_plugin_gmail.enabled"), "True")
        report = self.env["mail.plugin.diagnostic"].search([], order="id desc", limit=1)
        self.assertEqual(report.state, "error")


@tagged("post_install", "-at_install")
class TestFrench(MailPluginHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env["ir.module.module"]._load_module_terms(["mail_plugin_gmail"], ["fr_FR"], overwrite=True)

    def test_checks_in_french(self):
        diagnostic = self.env["mail.plugin.diagnostic"].with_context(lang="fr_FR")
        facts = TestDiagnostics.facts(self, base_url="http://odoo.example.com", enabled=False)
        results = {r["code"]: r for r in diagnostic._run_checks(facts, None)}
        self.assertEqual(results["enabled"]["name"], "Le plugin de messagerie est activé")
        self.assertIn("n'est pas une adresse HTTPS", results["https"]["message"])
        self.assertIn("proxy inverse", results["https"]["hint"])

    def test_settings_in_french(self):
        arch = self.env["res.config.settings"].with_context(lang="fr_FR").get_view()["arch"]
        self.assertIn("Vérifier la connexion", arch)
        field = (
            self.env["res.config.settings"]
            .with_context(lang="fr_FR")
            .fields_get(["mail_plugin_gmail_server_url"])["mail_plugin_gmail_server_url"]
        )
        self.assertEqual(field["string"], "Adresse pour le module complémentaire")

    def test_pages_in_french(self):
        self.user.lang = "fr_FR"
        self.authenticate("mp_alice", "mp_alice_pw1")
        consent = self.url_open(self.auth_url())
        self.assertIn("Autoriser", consent.text)
        self.assertIn("demande à utiliser cette base de données en tant que", consent.text)
        # the question is one sentence around the add-on's name, translated as a whole
        self.assertRegex(consent.text, r"Connecter <strong[^>]*>[^<]+</strong> à Odoo ?")
        success = self.url_open("/mail_plugin/auth/success?success=1")
        self.assertIn("Succès !", success.text)
        new_test_user(
            self.env,
            login="mp_root_fr",
            password="mp_root_fr_pw1",
            lang="fr_FR",
            groups="base.group_user,base.group_system",
        )
        self.authenticate("mp_root_fr", "mp_root_fr_pw1")
        guide = self.url_open("/mail_plugin_gmail/setup")
        self.assertIn("(exactement cette adresse, sans /web ni /odoo).", guide.text)
        # the Apps Script add-on's login button is not translated by the add-on: its label stays
        self.assertRegex(guide.text, r"ouvrez le module complémentaire, <em>Login</em>, saisissez <code")

    def test_page_texts_are_whole_sentences(self):
        """A sentence with a value or a link in it is one text to translate, not pieces around
        them (inline elements carry o_translate_inline)."""
        views = (
            self.env["ir.model.data"]
            .search([("module", "=", "mail_plugin_gmail"), ("model", "=", "ir.ui.view")])
            .mapped(lambda data: self.env["ir.ui.view"].browse(data.res_id))
        )
        self.assertTrue(views)
        pieces = [
            (view.key or view.name, term)
            for view in views
            for term in view._fields["arch_db"].get_trans_terms(view.arch_db)
            if term[:1] in ",.;:)" or term.rstrip().endswith("(")
        ]
        self.assertEqual(pieces, [])
