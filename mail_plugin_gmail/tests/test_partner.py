import logging
from unittest.mock import patch

from odoo.tests import tagged

from .partner_common import PartnerCase

GET = "/mail_plugin/partner/get"
_logger = logging.getLogger(__name__)


@tagged("post_install", "-at_install")
class TestPartnerGet(PartnerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["mail.alias.domain"].create(
            {
                "name": "mydb.test",
                "catchall_alias": "catchall",
                "bounce_alias": "bounce",
                "default_from": "notifications",
            }
        )

    def setUp(self):
        super().setUp()
        self.token = self.sign_in()

    def test_known_sender_older_addon(self):
        result = self.call(
            GET, {"email": "jane.doe@acme-corp.test", "name": "Jane", "partner_id": None}, self.token
        )
        partner = result["partner"]
        self.assertEqual(partner["id"], self.jane.id)
        self.assertEqual(partner["name"], "Jane Doe")
        self.assertEqual(partner["email"], "jane.doe@acme-corp.test")
        self.assertEqual(partner["mobile"], "+32 470 00 00 00")
        self.assertFalse(partner["is_company"])
        self.assertTrue(partner["can_write_on_partner"])
        self.assertEqual(partner["parent_name"], "Acme Corporation")
        self.assertTrue(partner["image"])
        self.assertFalse(partner["image"].startswith("data:"), "the older add-on adds the prefix itself")
        company = partner["company"]
        self.assertEqual(company["id"], self.acme.id)
        self.assertEqual(company["name"], "Acme Corporation")
        self.assertEqual(company["website"], "https://acme-corp.test")
        self.assertEqual(
            company["address"],
            {"street": "1 Rue de la Loi", "zip": "1000", "city": "Brussels", "country": "Belgium"},
        )
        self.assertEqual(company["additionalInfo"], {})
        self.assertTrue(company["image"])
        self.assertEqual(result["user_companies"], self.user.company_ids.ids)
        self.assertIs(result["can_create_partner"], True)

    def test_known_sender_newer_addon_gets_data_uri_images(self):
        # The newer add-on sends no name and false instead of null.
        result = self.call(GET, {"email": "jane.doe@acme-corp.test", "partner_id": False}, self.token)
        self.assertEqual(result["partner"]["id"], self.jane.id)
        self.assertTrue(result["partner"]["image"].startswith("data:image/png;base64,"))
        self.assertTrue(result["partner"]["company"]["image"].startswith("data:image/png;base64,"))

    def test_match_is_exact_on_normalized_address(self):
        result = self.call(GET, {"email": '"J. Doe" <JANE.doe@Acme-Corp.TEST>', "name": "J"}, self.token)
        self.assertEqual(result["partner"]["id"], self.jane.id)
        # "nn@" is a substring of "ann@": no match, an unknown sender of the Acme company.
        result = self.call(GET, {"email": "nn@acme-corp.test", "name": "Nn"}, self.token)
        self.assertEqual(result["partner"]["id"], -1)
        self.assertEqual(result["partner"]["company"]["id"], self.acme.id)

    def test_company_itself_as_sender(self):
        result = self.call(GET, {"email": "contact@acme-corp.test", "name": "Acme"}, self.token)
        self.assertEqual(result["partner"]["id"], self.acme.id)
        self.assertTrue(result["partner"]["is_company"])
        self.assertEqual(result["partner"]["company"]["id"], self.acme.id)

    def test_unknown_sender_with_company_of_domain(self):
        result = self.call(GET, {"email": "Bob@Acme-Corp.test", "name": "Bob Martin"}, self.token)
        partner = result["partner"]
        self.assertEqual(partner["id"], -1)
        self.assertEqual(partner["name"], "Bob Martin")
        self.assertEqual(partner["email"], "bob@acme-corp.test")
        self.assertEqual(partner["company"]["id"], self.acme.id)
        self.assertEqual(partner["company"]["address"]["city"], "Brussels")
        self.assertIn("user_companies", result)
        self.assertIs(result["can_create_partner"], True)

    def test_unknown_sender_of_subdomain_and_website_company(self):
        result = self.call(GET, {"email": "bob@eu.mail.acme-corp.test", "name": "Bob"}, self.token)
        self.assertEqual(result["partner"]["company"]["id"], self.acme.id)
        result = self.call(GET, {"email": "carl@beta-tools.test", "name": "Carl"}, self.token)
        self.assertEqual(result["partner"]["company"]["id"], self.beta.id)

    def test_unknown_sender_without_company(self):
        result = self.call(GET, {"email": "x@nowhere.test", "name": "X"}, self.token)
        self.assertEqual(result["partner"]["id"], -1)
        self.assertEqual(result["partner"]["company"], {"id": -1})

    def test_public_provider_never_names_a_company(self):
        for email in ("someone@gmail.com", "someone@yahoo.fr", "someone@hotmail.co.uk", "x@icloud.com"):
            result = self.call(GET, {"email": email, "name": "Someone"}, self.token)
            self.assertEqual(result["partner"]["company"], {"id": -1}, email)
        self.assertFalse(self.gmail_fans.mail_plugin_email_domain)

    def test_newer_addon_without_name(self):
        """No name asked, none answered: the newer add-ons keep the header's name."""
        result = self.call(GET, {"email": "x@nowhere.test", "partner_id": False}, self.token)
        self.assertNotIn("name", result["partner"])
        self.assertEqual(result["partner"]["email"], "x@nowhere.test")
        result = self.call(GET, {"email": "x@nowhere.test", "name": "", "partner_id": None}, self.token)
        self.assertEqual(result["partner"]["name"], "x@nowhere.test")

    def test_by_partner_id(self):
        result = self.call(
            GET, {"email": "whatever@else.test", "name": "W", "partner_id": self.ann.id}, self.token
        )
        self.assertEqual(result["partner"]["id"], self.ann.id)
        self.assertEqual(result["partner"]["company"]["id"], self.acme.id)
        # A refresh may carry an address that is not one.
        result = self.call(GET, {"email": "not an address", "partner_id": self.ann.id}, self.token)
        self.assertEqual(result["partner"]["id"], self.ann.id)

    def test_hidden_contact_not_returned(self):
        result = self.call(GET, {"email": "hidden@secret-corp.test", "name": "H"}, self.token)
        self.assertEqual(result["partner"]["id"], -1)
        self.assertEqual(result["partner"]["company"], {"id": -1}, "the company is hidden as well")
        result = self.call(
            GET, {"email": "hidden@secret-corp.test", "partner_id": self.hidden.id}, self.token
        )
        self.assertEqual(result["partner"]["id"], -1)
        message = self.call_error(GET, {"partner_id": self.hidden.id}, self.token)
        self.assertIn("does not exist", message)

    def test_archived_contact_not_returned(self):
        self.ann.active = False
        result = self.call(GET, {"email": "ann@acme-corp.test", "name": "Ann"}, self.token)
        self.assertEqual(result["partner"]["id"], -1)

    def test_company_of_contact_unreadable(self):
        stranger = self.env["res.partner"].create(
            {"name": "Stranger", "email": "s@visible.test", "parent_id": self.hidden_company.id}
        )
        stranger.company_id = False  # visible contact of an invisible company
        result = self.call(GET, {"email": "s@visible.test", "name": "S"}, self.token)
        self.assertEqual(result["partner"]["id"], stranger.id)
        self.assertEqual(result["partner"]["company"]["id"], self.hidden_company.id)
        self.assertNotIn("website", result["partner"]["company"])

    def test_read_only_user(self):
        token = self.sign_in("mp_reader", "mp_reader_pw1")
        result = self.call(GET, {"email": "jane.doe@acme-corp.test", "name": "J"}, token)
        self.assertEqual(result["partner"]["id"], self.jane.id)
        self.assertIs(result["partner"]["can_write_on_partner"], False)
        self.assertIs(result["can_create_partner"], False)

    def test_notification_addresses(self):
        for email in ("Notifications@MyDB.test", "catchall@mydb.test", "bounce@mydb.test"):
            result = self.call(GET, {"email": email, "name": "Odoo"}, self.token)
            self.assertTrue(result["partner"], email)
            self.assertEqual(result["partner"]["id"], -1)
            self.assertEqual(result["partner"]["enrichment_info"]["type"], "odoo_custom_error")
            self.assertTrue(result["partner"]["enrichment_info"]["info"])
            self.assertIs(result["can_create_partner"], False)
        message = self.call_error(
            "/mail_plugin/partner/create",
            {"email": "catchall@mydb.test", "name": "C", "company": None},
            self.token,
        )
        self.assertIn("address of this database", message)

    def test_bad_inputs(self):
        self.assertIn("email", self.call_error(GET, {"name": "No email"}, self.token))
        self.assertIn("email", self.call_error(GET, {"email": "not-an-email", "name": "X"}, self.token))
        self.assertIn("partner_id", self.call_error(GET, {"partner_id": "abc"}, self.token))
        self.assertIn("email", self.call_error(GET, {"email": ["a@b.test"], "name": "X"}, self.token))
        self.assertIn("name", self.call_error(GET, {"email": "a@b.test", "name": 12}, self.token))

    def test_app_sections_join_the_answer(self):
        Records = type(self.env["mail.plugin.records"])
        seen = []

        def fake(records_self, partner):
            seen.append(partner.ids)
            return {"leads": [], "lead_count": 0}

        with patch.object(Records, "_partner_records_data", fake):
            result = self.call(GET, {"email": "jane.doe@acme-corp.test", "name": "J"}, self.token)
            self.assertEqual((result["leads"], result["lead_count"]), ([], 0))
            self.call(GET, {"email": "nobody@nowhere.test", "name": "N"}, self.token)
        self.assertEqual(seen, [[self.jane.id], []])

    def test_query_counts(self):
        """partner/get stays a handful of indexed queries whatever the database size (exact
        counts: Odoo's assertQueryCount alone only fails on more).

        The SQL of the user's record rules is cached (mail.plugin.access): reading the
        companies they name is paid by the first request only. The apps' sections
        (mail.plugin.records) are counted by their own test, so stubbed here.
        """
        stub = patch.object(type(self.env["mail.plugin.records"]), "_partner_records_data", lambda s, p: {})
        self.startPatcher(stub)
        Partner = self.env["mail.plugin.partner"].with_user(self.user)
        self.env.flush_all()
        # warm the caches every request shares (access rules, alias addresses, country names)
        Partner._contact_answer("jane.doe@acme-corp.test", "J")
        Partner._contact_answer("bob@acme-corp.test", "B")

        def answer_in(expected, email):
            self.env.invalidate_all()
            with self.assertQueryCount(expected):
                before = self.cr.sql_log_count
                answer = Partner._contact_answer(email, "X")
                self.assertEqual(self.cr.sql_log_count - before, expected, email)
            return answer

        # known: contact and company in one query, both images in one
        answer = answer_in(2, "jane.doe@acme-corp.test")
        self.assertEqual(answer["partner"]["id"], self.jane.id)
        self.assertEqual(answer["partner"]["company"]["id"], self.acme.id)
        self.assertEqual(answer["partner"]["company"]["address"]["country"], "Belgium")
        # unknown: the contact lookup, the company by domain, its image
        answer = answer_in(3, "bob@acme-corp.test")
        self.assertEqual(answer["partner"]["company"]["id"], self.acme.id)
        answer = answer_in(2, "bob@nowhere.test")
        self.assertEqual(answer["partner"]["company"], {"id": -1})
        answer = answer_in(1, "bob@gmail.com")  # a public provider: no company lookup
        self.assertEqual(answer["partner"]["id"], -1)

    def test_query_counts_over_http(self):
        """The same over HTTP, for information: authentication adds its own queries."""
        for email in ("jane.doe@acme-corp.test", "jane.doe@acme-corp.test", "bob@acme-corp.test"):
            self.env.flush_all()
            before = self.cr.sql_log_count
            result = self.call(GET, {"email": email, "name": "X"}, self.token)
            _logger.info("partner/get %s over HTTP: %s queries", email, self.cr.sql_log_count - before)
            self.assertTrue(result["partner"])


@tagged("post_install", "-at_install")
class TestPartnerCreate(PartnerCase):
    CREATE = "/mail_plugin/partner/create"

    def setUp(self):
        super().setUp()
        self.token = self.sign_in()

    def test_create_with_company(self):
        result = self.call(
            self.CREATE,
            {"name": "Bob Martin", "email": "Bob@Acme-Corp.test", "company": self.acme.id},
            self.token,
        )
        bob = self.env["res.partner"].browse(result["id"])
        self.assertEqual(
            (bob.name, bob.email, bob.parent_id), ("Bob Martin", "bob@acme-corp.test", self.acme)
        )
        self.assertEqual(bob.create_uid, self.user)
        self.assertIn("image", result)
        self.assertIs(result["can_write_on_partner"], True)
        # partner/get finds it now
        result = self.call(GET, {"email": "bob@acme-corp.test", "name": "Bob"}, self.token)
        self.assertEqual(result["partner"]["id"], bob.id)

    def test_create_without_company(self):
        for company in (None, False, -1):
            email = f"solo{company}@nowhere.test".lower()
            result = self.call(self.CREATE, {"name": "Solo", "email": email, "company": company}, self.token)
            self.assertFalse(self.env["res.partner"].browse(result["id"]).parent_id)
        # The newer add-on sends no company at all and reads a ready image URL.
        result = self.call(self.CREATE, {"name": "New", "email": "new@nowhere.test"}, self.token)
        self.assertTrue(result["id"])
        self.assertIn("image", result)

    def test_create_existing_address_returns_contact(self):
        result = self.call(
            self.CREATE, {"name": "Jane again", "email": "JANE.DOE@acme-corp.test"}, self.token
        )
        self.assertEqual(result["id"], self.jane.id)

    def test_create_bad_inputs(self):
        self.assertIn("email", self.call_error(self.CREATE, {"name": "X", "email": "nope"}, self.token))
        self.assertIn("email", self.call_error(self.CREATE, {"name": "X"}, self.token))
        self.assertIn(
            "company",
            self.call_error(self.CREATE, {"name": "X", "email": "x@y.test", "company": "acme"}, self.token),
        )
        message = self.call_error(
            self.CREATE, {"name": "X", "email": "x@y.test", "company": self.hidden_company.id}, self.token
        )
        self.assertIn("company does not exist", message)
        self.assertFalse(self.env["res.partner"].search([("email", "=", "x@y.test")]))

    def test_create_refused_to_read_only_user(self):
        token = self.sign_in("mp_reader", "mp_reader_pw1")
        self.call_error(self.CREATE, {"name": "X", "email": "x@y.test"}, token)
        self.assertFalse(self.env["res.partner"].search([("email", "=", "x@y.test")]))

    def test_create_contact_helper(self):
        partner = (
            self.env["res.partner"].with_user(self.user)._mail_plugin_create_contact("Zed", "zed@z.test")
        )
        self.assertEqual(partner.email, "zed@z.test")
        partner = (
            self.env["res.partner"]
            .with_user(self.user)
            ._mail_plugin_create_contact("Zoe", "zoe@z.test", company_id=self.acme.id)
        )
        self.assertEqual(partner.parent_id, self.acme)


@tagged("post_install", "-at_install")
class TestEmailDomainColumn(PartnerCase):
    def test_compute_and_sql_fill_agree(self):
        Partner = self.env["res.partner"]
        cases = {
            Partner.create(
                {"name": "A", "is_company": True, "email": "x@Sub.Example-A.test"}
            ): "sub.example-a.test",
            Partner.create(
                {"name": "B", "is_company": True, "website": "https://www.b.test:8080/x"}
            ): "b.test",
            Partner.create(
                {"name": "C", "is_company": True, "email": "c@gmail.com", "website": "c.test"}
            ): "c.test",
            Partner.create({"name": "D", "is_company": True, "email": "d@outlook.fr"}): False,
            Partner.create({"name": "E", "email": "e@e.test"}): False,  # a person
            Partner.create({"name": "F", "is_company": True, "website": "localhost"}): False,
        }
        for partner, expected in cases.items():
            self.assertEqual(partner.mail_plugin_email_domain, expected, partner.name)
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE res_partner SET mail_plugin_email_domain = NULL WHERE id IN %s",
            [tuple(p.id for p in cases)],
        )
        Partner._mail_plugin_fill_email_domain()
        self.env.invalidate_all()
        for partner, expected in cases.items():
            self.assertEqual(partner.mail_plugin_email_domain or False, expected, partner.name)

    def test_follows_changes(self):
        self.assertEqual(self.acme.mail_plugin_email_domain, "acme-corp.test")
        self.acme.email = "hello@acme.test"
        self.assertEqual(self.acme.mail_plugin_email_domain, "acme.test")
        self.acme.is_company = False
        self.assertFalse(self.acme.mail_plugin_email_domain)
