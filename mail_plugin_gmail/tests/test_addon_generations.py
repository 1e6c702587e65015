"""Unknown senders and their company, with each add-on build's calls shaped exactly as it sends
them (see docs/addon-generations.md): the 2023 Apps Script build sends ``name`` to partner/get,
``null`` for "none" and a ``company`` to partner/create; the 2025 Apps Script build and the HTTP
add-in send no ``name`` to partner/get, ``false`` for "none", no ``company``, and build their card
as ``{name, email from the header, ...answer.partner}``.
"""

from odoo.tests import tagged

from .partner_common import PartnerCase

GET = "/mail_plugin/partner/get"
CREATE = "/mail_plugin/partner/create"
LEAD = "/mail_plugin/lead/create"
TASK = "/mail_plugin/task/create"

# Keys the newer builds read (gmail/src/models/*.ts at the HTTP add-in's commit).
NEWER_PARTNER_KEYS = {
    "id",
    "name",
    "email",
    "image",
    "is_company",
    "parent_name",
    "phone",
    "mobile",
    "can_write_on_partner",
}
NEWER_LEAD_KEYS = {"id", "name", "revenues_description", "partner_id", "partner_image"}
NEWER_TASK_KEYS = {"id", "name", "project_name", "partner_id", "partner_image"}
NEWER_PROJECT_KEYS = {"id", "name", "partner_name", "stage_name", "company_name"}


class Build2023:
    """odoo/mail-client-extensions ef529cda8: its params, with JavaScript's null as None."""

    label = "2023 Apps Script"

    @staticmethod
    def partner_get(header_name, email, partner_id=None):
        return {"email": email, "name": header_name, "partner_id": partner_id}

    @staticmethod
    def card(header_name, email, answer):
        return dict(answer["partner"])  # partner.name = values.name: our answer, as is

    @staticmethod
    def partner_create(card, company_id=None):
        # company: state.partner.company && state.partner.company.id (set only for an id > 0)
        return {"name": card["name"], "email": card["email"], "company": company_id}


class Build2025:
    """odoo/mail-client-extensions 4306e111c (Apps Script): null and undefined become false."""

    label = "2025 Apps Script"

    @staticmethod
    def partner_get(header_name, email, partner_id=None):
        return {"email": email, "partner_id": partner_id or False}

    @staticmethod
    def card(header_name, email, answer):
        return {"name": header_name, "email": email, **answer["partner"]}

    @staticmethod
    def partner_create(card, company_id=None):
        return {"name": card["name"], "email": card["email"]}

    @staticmethod
    def lead_create(card, subject="Chairs", body="<p>50 chairs</p>"):
        partner_id = card["id"] if card.get("id", -1) > 0 else False
        return {
            "email_body": body,
            "email_subject": subject,
            "partner_id": partner_id,
            "partner_email": card["email"],
            "partner_name": card["name"],
            "attachments": [],
        }

    @staticmethod
    def task_create(card, project_id, subject="Fix the gate", body="<p>The gate</p>"):
        partner_id = card["id"] if card.get("id", -1) > 0 else False
        return {
            "email_body": body,
            "email_subject": subject,
            "partner_email": card["email"],
            "partner_id": partner_id,
            "partner_name": card["name"],
            "project_id": project_id,
            "attachments": [],
        }


class BuildHttp(Build2025):
    """odoo/mail-client-extensions 8e30de823 (HTTP add-in): same wire as the 2025 build."""

    label = "HTTP add-in"


ALL_BUILDS = (Build2023, Build2025, BuildHttp)
NEWER_BUILDS = (Build2025, BuildHttp)


class GenerationsCase(PartnerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.grant_app_groups("sales_team.group_sale_salesman_all_leads", "project.group_project_manager")
        if "project.project" in cls.env:
            cls.project = cls.env["project.project"].create({"name": "Garden"})

    def setUp(self):
        super().setUp()
        self.token = self.sign_in()

    def open_email(self, build, header_name, email):
        """partner/get as ``build`` sends it on opening an email; returns (answer, card)."""
        answer = self.call(GET, build.partner_get(header_name, email), self.token)
        return answer, build.card(header_name, email, answer)

    def require(self, *models):
        missing = [model for model in models if model not in self.env]
        if missing:
            self.skipTest(f"needs {', '.join(missing)}")

    def contacts(self, email):
        return self.env["res.partner"].search([("email_normalized", "=", email)])


@tagged("post_install", "-at_install")
class TestUnknownSenderCard(GenerationsCase):
    def test_header_name_is_kept_on_the_card(self):
        for build in ALL_BUILDS:
            with self.subTest(build.label):
                answer, card = self.open_email(build, "Bob Newcomer", "bob.newcomer@acme-corp.test")
                self.assertEqual(card["name"], "Bob Newcomer")
                self.assertEqual(card["email"], "bob.newcomer@acme-corp.test")
                self.assertEqual(answer["partner"]["id"], -1)

    def test_no_name_in_answer_unless_asked(self):
        for build in NEWER_BUILDS:
            with self.subTest(build.label):
                answer, _card = self.open_email(build, "Bob Newcomer", "bob.newcomer@acme-corp.test")
                self.assertNotIn("name", answer["partner"])
        answer, _card = self.open_email(Build2023, "Bob Newcomer", "bob.newcomer@acme-corp.test")
        self.assertEqual(answer["partner"]["name"], "Bob Newcomer")

    def test_company_of_the_domain_on_the_card(self):
        for build in ALL_BUILDS:
            with self.subTest(build.label):
                answer, card = self.open_email(build, "Bob Newcomer", "bob.newcomer@acme-corp.test")
                self.assertEqual(answer["partner"]["company"]["id"], self.acme.id)
                self.assertEqual(card["parent_name"], "Acme Corporation")

    def test_public_provider_and_unreadable_company_give_none(self):
        for build in ALL_BUILDS:
            for email in ("someone@gmail.com", "newbie@secret-corp.test"):
                with self.subTest(build.label, email=email):
                    answer, card = self.open_email(build, "Some One", email)
                    self.assertEqual(answer["partner"]["company"], {"id": -1})
                    self.assertFalse(card.get("parent_name"))

    def test_known_sender_has_every_key_the_newer_builds_read(self):
        for build in NEWER_BUILDS:
            with self.subTest(build.label):
                answer, card = self.open_email(build, "Jane", "jane.doe@acme-corp.test")
                self.assertLessEqual(NEWER_PARTNER_KEYS, set(answer["partner"]))
                self.assertEqual(card["name"], "Jane Doe")  # a known contact's own name wins
                self.assertEqual(card["parent_name"], "Acme Corporation")
                self.assertIs(card["can_write_on_partner"], True)
                self.assertTrue(card["image"].startswith("data:image/png;base64,"))
                self.assertIs(answer["can_create_partner"], True)
                for list_key, count_key, model in (
                    ("leads", "lead_count", "crm.lead"),
                    ("tasks", "task_count", "project.task"),
                ):
                    if model in self.env:
                        self.assertEqual((answer[list_key], answer[count_key]), ([], 0))
                        self.assertIn("can_create_project", answer)
                    else:
                        self.assertNotIn(list_key, answer)


@tagged("post_install", "-at_install")
class TestAddToOdoo(GenerationsCase):
    """ "Save in Odoo" / "Add to Odoo" right after opening the email, as each build sends it."""

    def add_to_odoo(self, build, header_name, email):
        answer, card = self.open_email(build, header_name, email)
        company = answer["partner"]["company"]
        company_id = company["id"] if company["id"] > 0 else None
        result = self.call(CREATE, build.partner_create(card, company_id), self.token)
        return self.env["res.partner"].browse(result["id"]), result

    def test_contact_gets_the_company_of_its_domain(self):
        for number, build in enumerate(ALL_BUILDS):
            with self.subTest(build.label):
                email = f"bob{number}@acme-corp.test"
                bob, result = self.add_to_odoo(build, f"Bob {number}", email)
                self.assertEqual((bob.name, bob.email, bob.parent_id), (f"Bob {number}", email, self.acme))
                self.assertEqual(result["parent_name"], "Acme Corporation")
                self.assertEqual(len(self.contacts(email)), 1)

    def test_no_company_in_any_form_links_the_domain_company(self):
        for number, company in enumerate((None, False, -1, "absent")):
            with self.subTest(company=company):
                email = f"dana{number}@acme-corp.test"
                params = {"name": "Dana", "email": email}
                if company != "absent":
                    params["company"] = company
                result = self.call(CREATE, params, self.token)
                self.assertEqual(self.env["res.partner"].browse(result["id"]).parent_id, self.acme)

    def test_header_without_name(self):
        """The header is only an address: the builds then send the address as the name."""
        for number, build in enumerate(ALL_BUILDS):
            with self.subTest(build.label):
                email = f"bob.newcomer{number}@acme-corp.test"
                bob, _result = self.add_to_odoo(build, email, email)
                self.assertEqual(bob.name, f"Bob Newcomer{number}")
                self.assertEqual(bob.parent_id, self.acme)

    def test_explicit_company_wins(self):
        # The 2023 build sends the id of the company partner/get showed; a client may send another.
        result = self.call(
            CREATE, {"name": "Eve", "email": "eve@acme-corp.test", "company": self.beta.id}, self.token
        )
        self.assertEqual(self.env["res.partner"].browse(result["id"]).parent_id, self.beta)
        result = self.call(
            CREATE, {"name": "Fay", "email": "fay@gmail.com", "company": self.acme.id}, self.token
        )
        self.assertEqual(self.env["res.partner"].browse(result["id"]).parent_id, self.acme)

    def test_public_provider_gets_no_company(self):
        for number, build in enumerate(ALL_BUILDS):
            with self.subTest(build.label):
                email = f"fan{number}@gmail.com"
                fan, _result = self.add_to_odoo(build, "Fan", email)
                self.assertFalse(fan.parent_id)
                self.assertNotEqual(fan.parent_id, self.gmail_fans)

    def test_company_the_user_may_not_read(self):
        missing = self.env["res.partner"].search([], order="id desc", limit=1).id + 1000
        messages = set()
        for company_id in (self.hidden_company.id, missing):
            with self.subTest(company=company_id):
                params = Build2023.partner_create(
                    {"name": "Mallory", "email": "mallory@acme-corp.test"}, company_id
                )
                messages.add(self.call_error(CREATE, params, self.token))
                self.assertFalse(self.contacts("mallory@acme-corp.test"))
        self.assertEqual(len(messages), 1, "one answer for a missing company and for another's")
        # Found by domain as the user: a company hidden from them is never linked.
        for build in ALL_BUILDS:
            with self.subTest(build.label):
                email = f"newbie.{build.__name__.lower()}@secret-corp.test"
                newbie, _result = self.add_to_odoo(build, "Newbie", email)
                self.assertFalse(newbie.parent_id)


@tagged("post_install", "-at_install")
class TestRecordsForUnknownSender(GenerationsCase):
    """Leads and tasks straight from an unknown sender's card (2025 Apps Script, HTTP add-in)."""

    def test_lead_creates_the_contact_under_its_company(self):
        self.require("crm.lead")
        for number, build in enumerate(NEWER_BUILDS):
            with self.subTest(build.label):
                email = f"bob.lead{number}@acme-corp.test"
                _answer, card = self.open_email(build, "Bob Newcomer", email)
                result = self.call(LEAD, build.lead_create(card), self.token)
                self.assertLessEqual(NEWER_LEAD_KEYS, set(result))
                bob = self.env["res.partner"].browse(result["partner_id"])
                self.assertEqual((bob.name, bob.email, bob.parent_id), ("Bob Newcomer", email, self.acme))
                self.assertEqual(self.env["crm.lead"].browse(result["id"]).partner_id, bob)
                # No picture yet: false, and the add-on shows its own placeholder.
                self.assertIs(result["partner_image"], False)

    def test_lead_for_address_only_header(self):
        self.require("crm.lead")
        email = "carla.mendes@acme-corp.test"
        _answer, card = self.open_email(BuildHttp, email, email)
        result = self.call(LEAD, BuildHttp.lead_create(card), self.token)
        carla = self.env["res.partner"].browse(result["partner_id"])
        self.assertEqual((carla.name, carla.parent_id), ("Carla Mendes", self.acme))

    def test_lead_for_public_provider_and_hidden_company(self):
        self.require("crm.lead")
        for email in ("lead.fan@gmail.com", "lead.newbie@secret-corp.test"):
            with self.subTest(email=email):
                _answer, card = self.open_email(BuildHttp, "Lead Person", email)
                result = self.call(LEAD, BuildHttp.lead_create(card), self.token)
                person = self.env["res.partner"].browse(result["partner_id"])
                self.assertEqual((person.name, person.parent_id.id), ("Lead Person", False))

    def test_lead_again_reuses_the_contact(self):
        self.require("crm.lead")
        _answer, card = self.open_email(BuildHttp, "Bob Twice", "bob.twice@acme-corp.test")
        first = self.call(LEAD, BuildHttp.lead_create(card), self.token)
        second = self.call(LEAD, BuildHttp.lead_create(card, subject="Again"), self.token)
        self.assertEqual(first["partner_id"], second["partner_id"])
        self.assertEqual(len(self.contacts("bob.twice@acme-corp.test")), 1)

    def test_task_creates_the_contact_under_its_company(self):
        self.require("project.task")
        for number, build in enumerate(NEWER_BUILDS):
            with self.subTest(build.label):
                email = f"bob.task{number}@acme-corp.test"
                _answer, card = self.open_email(build, "Bob Task", email)
                result = self.call(TASK, build.task_create(card, self.project.id), self.token)
                self.assertLessEqual(NEWER_TASK_KEYS, set(result))
                self.assertEqual(result["project_name"], "Garden")
                bob = self.env["res.partner"].browse(result["partner_id"])
                self.assertEqual((bob.name, bob.email, bob.parent_id), ("Bob Task", email, self.acme))
                self.assertEqual(self.env["project.task"].browse(result["id"]).partner_id, bob)


@tagged("post_install", "-at_install")
class TestNewerBuildSearches(GenerationsCase):
    """search_records as the 2025 Apps Script build and the HTTP add-in send it."""

    def test_conversation_contacts(self):
        # Several people in the conversation: the list of their addresses.
        query = ["jane.doe@acme-corp.test", "bob.nobody@acme-corp.test", "ann@acme-corp.test"]
        rows, total = self.call("/mail_plugin/search_records/res.partner", {"query": query}, self.token)
        self.assertEqual(sorted(row["id"] for row in rows), sorted((self.jane | self.ann).ids))
        self.assertEqual(total, 2)
        for row in rows:
            self.assertLessEqual(NEWER_PARTNER_KEYS, set(row))
            self.assertEqual(row["parent_name"], "Acme Corporation")

    def test_projects_then_create(self):
        self.require("project.project")
        rows, _total = self.call("/mail_plugin/search_records/project.project", {"query": ""}, self.token)
        self.assertIn(self.project.id, [row["id"] for row in rows])
        self.assertLessEqual(NEWER_PROJECT_KEYS, set(rows[0]))
        created = self.call("/mail_plugin/project/create", {"name": "Orchard"}, self.token)
        self.assertEqual(created["name"], "Orchard")
        self.assertEqual(self.env["project.project"].browse(created["id"]).name, "Orchard")
