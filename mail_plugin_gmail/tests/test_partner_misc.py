import socket
from unittest.mock import patch

import requests

from odoo.tests import tagged
from odoo.tools.translate import code_translations

from ..tools import addon_terms
from .partner_common import PartnerCase

CREATE_COMPANY = "/mail_plugin/partner/enrich_and_create_company"
UPDATE_COMPANY = "/mail_plugin/partner/enrich_and_update_company"


def no_network(*args, **kwargs):
    raise AssertionError("enrichment must not use the network unless configured")


@tagged("post_install", "-at_install")
class TestEnrichment(PartnerCase):
    def setUp(self):
        super().setUp()
        self.token = self.sign_in()
        self.Enrichment = self.env["mail.plugin.enrichment"].with_user(self.user)

    def test_create_company_offline_then_reuse(self):
        bob = self.env["res.partner"].create({"name": "Bob", "email": "bob@globex-industries.test"})
        with patch.object(socket.socket, "connect", no_network):
            result = self.Enrichment._enrich_and_create_company(bob.id)
        self.assertEqual(result["enrichment_info"], {"type": "company_created"})
        company = bob.parent_id
        self.assertTrue(company.is_company)
        self.assertEqual(result["company"]["id"], company.id)
        self.assertEqual(company.name, "Globex Industries")
        self.assertEqual(company.website, "https://globex-industries.test")
        self.assertEqual(company.mail_plugin_email_domain, "globex-industries.test")
        # A colleague joins the same company instead of a duplicate.
        carl = self.env["res.partner"].create({"name": "Carl", "email": "carl@mail.globex-industries.test"})
        result = self.Enrichment._enrich_and_create_company(carl.id)
        self.assertEqual(carl.parent_id, company)
        self.assertEqual(result["enrichment_info"], {"type": "company_updated"})
        self.assertEqual(self.env["res.partner"].search_count([("name", "=", "Globex Industries")]), 1)

    def test_create_company_over_http(self):
        bob = self.env["res.partner"].create({"name": "Bob", "email": "bob@initech.co.uk"})
        result = self.call(CREATE_COMPANY, {"partner_id": bob.id}, self.token)
        self.assertEqual(result["company"]["name"], "Initech")
        self.assertEqual(result["company"]["additionalInfo"], {})
        self.assertEqual(bob.parent_id.id, result["company"]["id"])

    def test_create_company_refusals(self):
        cases = {
            self.jane.id: "already belongs",
            self.acme.id: "already a company",
            self.hidden.id: "does not exist",
        }
        for partner_id, message in cases.items():
            self.assertIn(message, self.call(CREATE_COMPANY, {"partner_id": partner_id}, self.token)["error"])
        gmail_user = self.env["res.partner"].create({"name": "G", "email": "g@gmail.com"})
        result = self.call(CREATE_COMPANY, {"partner_id": gmail_user.id}, self.token)
        self.assertEqual(result["company"], {"id": -1})
        self.assertTrue(result["enrichment_info"]["info"])
        self.assertFalse(gmail_user.parent_id)
        self.assertIn("partner_id", self.call_error(CREATE_COMPANY, {"partner_id": None}, self.token))
        # a read-only user changes nothing
        solo = self.env["res.partner"].create({"name": "Solo", "email": "solo@solo-corp.test"})
        token = self.sign_in("mp_reader", "mp_reader_pw1")
        self.assertIn("not allowed", self.call(CREATE_COMPANY, {"partner_id": solo.id}, token)["error"])
        self.assertFalse(solo.parent_id)

    def test_update_company(self):
        company = self.env["res.partner"].create(
            {"name": "Umbrella", "is_company": True, "email": "hq@umbrella.test"}
        )
        result = self.call(UPDATE_COMPANY, {"partner_id": company.id}, self.token)
        self.assertEqual(result["enrichment_info"], {"type": "company_updated"})
        self.assertEqual(company.website, "https://umbrella.test")
        self.assertEqual(company.name, "Umbrella", "filled fields are kept")
        result = self.call(UPDATE_COMPANY, {"partner_id": company.id}, self.token)
        self.assertEqual(result["enrichment_info"], {"type": "no_data"})
        self.assertEqual(result["company"]["id"], company.id)

    def test_update_company_refusals(self):
        self.assertIn(
            "Only a company", self.call(UPDATE_COMPANY, {"partner_id": self.jane.id}, self.token)["error"]
        )
        self.assertIn("does not exist", self.call(UPDATE_COMPANY, {"partner_id": 10**8}, self.token)["error"])
        self.assertIn(
            "no email or website",
            self.call(UPDATE_COMPANY, {"partner_id": self.gmail_fans.id}, self.token)["error"],
        )
        token = self.sign_in("mp_reader", "mp_reader_pw1")
        self.assertIn("not allowed", self.call(UPDATE_COMPANY, {"partner_id": self.acme.id}, token)["error"])

    def test_provider_interface(self):
        ICP = self.env["ir.config_parameter"].sudo()
        ICP.set_param("mail_plugin_gmail.enrichment_provider", "nosuch")
        bob = self.env["res.partner"].create({"name": "Bob", "email": "bob@hooli.test"})
        result = self.Enrichment._enrich_and_create_company(bob.id)
        self.assertEqual(result["company"], {"id": -1})
        self.assertEqual(result["enrichment_info"]["type"], "other")
        self.assertIn("nosuch", result["enrichment_info"]["info"])
        self.assertFalse(bob.parent_id)

        def fake_provider(self, domain):
            return {"values": {"name": "Hooli Inc.", "phone": "+1 555", "website": f"https://www.{domain}"}}

        ICP.set_param("mail_plugin_gmail.enrichment_provider", "fake")
        with patch.object(
            type(self.env["mail.plugin.enrichment"]), "_company_data_fake", fake_provider, create=True
        ):
            result = self.Enrichment._enrich_and_create_company(bob.id)
        self.assertEqual(result["enrichment_info"], {"type": "company_created"})
        self.assertEqual((bob.parent_id.name, bob.parent_id.phone), ("Hooli Inc.", "+1 555"))


@tagged("post_install", "-at_install")
class TestTranslations(PartnerCase):
    def test_french_user_gets_french(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.user.lang = "fr_FR"
        result = self.call("/mail_plugin/get_translations", {}, self.sign_in())
        self.assertEqual(result["Log email"], "Enregistrer l'e-mail")
        self.assertEqual(result["Opportunities (%s)"], "Opportunités (%s)")
        french = code_translations.get_python_translations("mail_plugin_gmail", "fr_FR")
        sources = [term._source for term in addon_terms.TERMS]
        # A French text equal to the English one is left empty in the .po file (OCA's layout, the
        # English is shown): only these read the same in French.
        self.assertEqual(
            {src for src in sources if not french.get(src)},
            {"Contact", "Description", "Tickets", "Tickets (%s)"},
            "every other add-on text is translated",
        )
        # Odoo's own French for the labels it shares with the add-on
        self.assertEqual(result["Enrich Company"], "Enrichir la société")
        self.assertEqual(result["Company Insights"], "Aperçu de la société")
        # texts identical in French ("Description", "Contact"...) are not sent
        self.assertEqual(set(result), {src for src in sources if french.get(src, src) != src})

    def test_server_messages_in_user_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.user.lang = "fr_FR"
        result = self.call("/mail_plugin/search_records/res.users", {"query": "x"}, self.sign_in())
        self.assertEqual(
            result["error"], "Le module complémentaire ne gère pas les enregistrements de « res.users »."
        )

    def test_english_user_gets_nothing(self):
        self.assertEqual(self.call("/mail_plugin/get_translations", {}, self.sign_in()), {})

    def test_terms_cover_both_generations(self):
        sources = {term._source for term in addon_terms.TERMS}
        self.assertEqual(len(sources), len(addon_terms.TERMS), "no duplicates")
        for text in ("Log email", "Logged from", "Show all", "Search %s", "View in Odoo", "No record found."):
            self.assertIn(text, sources)


@tagged("post_install", "-at_install")
class TestMiscRoutes(PartnerCase):
    def test_check_version(self):
        response = self.rpc("/mail_plugin/auth/check_version", {})
        self.assertEqual(response.json()["result"], 2)
        preflight = requests.options(
            self.base_url() + "/mail_plugin/auth/check_version",
            headers={"Origin": "https://addon.example", "Access-Control-Request-Method": "POST"},
            timeout=30,
        )
        self.assertIn(preflight.status_code, (200, 204))
        self.assertEqual(preflight.headers.get("Access-Control-Allow-Origin"), "*")
        self.set_enabled(False)
        self.assertNotIn("result", self.rpc("/mail_plugin/auth/check_version", {}).json())

    def test_redirect_to_record(self):
        self.authenticate("mp_alice", "mp_alice_pw1")
        for path in (
            "/mail_plugin/redirect_to_record/res.partner",
            "/mail_plugin/redirect_to_record/res.partner/",
        ):
            response = self.url_open(f"{path}?record_id={self.jane.id}", allow_redirects=False)
            self.assertEqual(response.status_code, 303, path)
            location = response.headers["Location"]
            self.assertIn(f"/web#id={self.jane.id}&model=res.partner&view_type=form&cids=", location)
            self.assertIn(f"cids={self.user.company_id.id}", location)

    def test_redirect_to_app_record(self):
        if "crm.lead" not in self.env:
            self.skipTest("CRM is not installed")
        self.user.groups_id |= self.env.ref("sales_team.group_sale_salesman_all_leads")
        lead = self.env["crm.lead"].create({"name": "Big deal", "partner_id": self.jane.id})
        self.authenticate("mp_alice", "mp_alice_pw1")
        response = self.url_open(
            f"/mail_plugin/redirect_to_record/crm.lead/?record_id={lead.id}", allow_redirects=False
        )
        self.assertEqual(response.status_code, 303)
        self.assertIn(f"/web#id={lead.id}&model=crm.lead&view_type=form", response.headers["Location"])

    def test_redirect_refusals(self):
        self.authenticate("mp_alice", "mp_alice_pw1")
        cases = [
            f"/mail_plugin/redirect_to_record/res.users/?record_id={self.user.id}",
            f"/mail_plugin/redirect_to_record/res.partner/?record_id={self.hidden.id}",
            "/mail_plugin/redirect_to_record/res.partner/?record_id=abc",
            "/mail_plugin/redirect_to_record/res.partner/",
            "/mail_plugin/redirect_to_record/helpdesk.ticket/?record_id=1",
        ]
        for url in cases:
            response = self.url_open(url, allow_redirects=False)
            self.assertEqual(response.status_code, 404, url)
            self.assertNotIn("Traceback", response.text)

    def test_redirect_needs_login(self):
        response = self.url_open(
            f"/mail_plugin/redirect_to_record/res.partner/?record_id={self.jane.id}", allow_redirects=False
        )
        self.assertEqual(response.status_code, 303)
        self.assertIn("/web/login?redirect=", response.headers["Location"])
