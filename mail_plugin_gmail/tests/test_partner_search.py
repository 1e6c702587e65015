from unittest.mock import patch

from odoo.tests import tagged

from .partner_common import PartnerCase

SEARCH = "/mail_plugin/partner/search"
RECORDS = "/mail_plugin/search_records"


@tagged("post_install", "-at_install")
class TestPartnerSearch(PartnerCase):
    def setUp(self):
        super().setUp()
        self.token = self.sign_in()

    def ids(self, result):
        return [row["id"] for row in result["partners"]]

    def test_by_name_email_and_reference(self):
        self.assertEqual(self.ids(self.call(SEARCH, {"search_term": "Jane Do"}, self.token)), [self.jane.id])
        self.assertEqual(self.ids(self.call(SEARCH, {"search_term": "JD-42"}, self.token)), [self.jane.id])
        found = self.ids(self.call(SEARCH, {"search_term": "acme-corp"}, self.token))
        self.assertEqual(set(found), {self.acme.id, self.jane.id, self.ann.id})

    def test_whole_address_finds_its_contacts(self):
        near = self.env["res.partner"].create({"name": "Aaron", "email": "xann@acme-corp.test"})
        found = self.ids(self.call(SEARCH, {"search_term": "Ann@Acme-Corp.test"}, self.token))
        self.assertEqual(found, [self.ann.id])
        # No contact with that address: contacts whose email contains it.
        found = self.ids(self.call(SEARCH, {"search_term": "nn@acme-corp.test"}, self.token))
        self.assertEqual(set(found), {self.ann.id, near.id})
        # A part of an address is a text like any other.
        found = self.ids(self.call(SEARCH, {"search_term": "xann@"}, self.token))
        self.assertEqual(found, [near.id])

    def test_words_in_their_order(self):
        """A name of several words is found through each word, then checked whole."""

        def search(term):
            return set(self.ids(self.call(SEARCH, {"search_term": term}, self.token)))

        # The company's name is in its people's complete names too.
        self.assertEqual(search("Acme Corporation"), {self.acme.id, self.jane.id, self.ann.id})
        self.assertEqual(search("corporation, jane"), {self.jane.id})
        self.assertEqual(search("Doe Jane"), set())
        self.assertEqual(search("Smith Ann"), set())
        short = self.env["res.partner"].create({"name": "Li Xi"})
        self.assertEqual(search("Li Xi"), {short.id})  # no word long enough for the index alone
        self.assertEqual(search("xi li"), set())
        rows, total = self.call(RECORDS + "/res.partner", {"query": "Acme Corporation"}, self.token)
        self.assertEqual(total, 3)

    def test_text_with_blank_is_a_name(self):
        self.env["res.partner"].create({"name": "Formatted", "email": '"Jane Doe" <jd@elsewhere.test>'})
        self.assertEqual(self.ids(self.call(SEARCH, {"search_term": "Jane Doe"}, self.token)), [self.jane.id])

    def test_shape(self):
        row = self.call(SEARCH, {"search_term": "jane.doe@acme-corp.test"}, self.token)["partners"][0]
        for key in ("id", "name", "email", "phone", "mobile", "is_company", "image", "can_write_on_partner"):
            self.assertIn(key, row)
        self.assertFalse(row["image"].startswith("data:"))
        self.assertNotIn("company", row)

    def test_hidden_and_limit(self):
        self.assertEqual(self.call(SEARCH, {"search_term": "secret-corp"}, self.token)["partners"], [])
        self.assertEqual(self.call(SEARCH, {"search_term": ""}, self.token)["partners"], [])
        self.env["res.partner"].create(
            [{"name": f"Bulk {i}", "email": f"bulk{i}@bulk.test"} for i in range(40)]
        )
        self.assertEqual(len(self.call(SEARCH, {"search_term": "bulk"}, self.token)["partners"]), 30)

    def test_read_only_user_cannot_write(self):
        token = self.sign_in("mp_reader", "mp_reader_pw1")
        row = self.call(SEARCH, {"search_term": "Jane Doe"}, token)["partners"][0]
        self.assertIs(row["can_write_on_partner"], False)

    def test_bad_input(self):
        self.assertIn("search_term", self.call_error(SEARCH, {"search_term": {"a": 1}}, self.token))


@tagged("post_install", "-at_install")
class TestSearchRecords(PartnerCase):
    def setUp(self):
        super().setUp()
        self.token = self.sign_in()

    def test_partners_by_text(self):
        rows, total = self.call(RECORDS + "/res.partner", {"query": "acme-corp"}, self.token)
        self.assertEqual(total, 3)
        self.assertEqual({row["id"] for row in rows}, {self.acme.id, self.jane.id, self.ann.id})
        jane = next(row for row in rows if row["id"] == self.jane.id)
        self.assertEqual(jane["parent_name"], "Acme Corporation")
        self.assertTrue(jane["image"].startswith("data:image/png;base64,"))
        self.assertIs(jane["can_write_on_partner"], True)

    def test_partners_by_addresses(self):
        query = [
            "JANE.DOE@acme-corp.test",
            "nobody@nowhere.test",
            "hidden@secret-corp.test",
            "not an address",
        ]
        rows, total = self.call(RECORDS + "/res.partner", {"query": query}, self.token)
        self.assertEqual([row["id"] for row in rows], [self.jane.id])
        self.assertEqual(total, 1)

    def test_total_beyond_limit(self):
        self.env["res.partner"].create([{"name": f"Bulk {i}"} for i in range(35)])
        rows, total = self.call(RECORDS + "/res.partner", {"query": "Bulk"}, self.token)
        self.assertEqual((len(rows), total), (30, 35))
        self.env["res.partner"].create([{"name": f"Same {i}", "email": "same@bulk.test"} for i in range(33)])
        rows, total = self.call(RECORDS + "/res.partner", {"query": "SAME@bulk.test"}, self.token)
        self.assertEqual((len(rows), total), (30, 33))

    def test_empty_result_is_a_list(self):
        self.assertEqual(self.call(RECORDS + "/res.partner", {"query": "zzzz-nothing"}, self.token), [[], 0])
        self.assertEqual(self.call(RECORDS + "/res.partner", {"query": False}, self.token), [[], 0])

    def test_bare_route_takes_model(self):
        rows, total = self.call(RECORDS, {"model": "res.partner", "query": "Jane Doe"}, self.token)
        self.assertEqual(([row["id"] for row in rows], total), ([self.jane.id], 1))
        self.assertIn("error", self.call(RECORDS, {"query": "x"}, self.token))

    def test_refused_models(self):
        for model in ("res.users", "ir.config_parameter", "mail.plugin.connection", "no.such.model"):
            result = self.call(RECORDS + "/" + model, {"query": "x"}, self.token)
            self.assertIsInstance(result, dict, model)
            self.assertTrue(result["error"], model)

    def test_app_models_delegate_or_explain(self):
        Records = type(self.env["mail.plugin.records"])
        calls = []

        def fake(records_self, model, query, limit=None):
            calls.append((model, query))
            return [[{"id": 1, "name": "R"}], 1]

        # on a database with the apps, let the user read them so that delegation really runs
        for group in ("sales_team.group_sale_salesman", "project.group_project_user"):
            if self.env.ref(group, raise_if_not_found=False):
                self.user.groups_id |= self.env.ref(group)
        delegated = []
        with patch.object(Records, "_search_records", fake):
            for model in ("crm.lead", "project.project", "project.task", "helpdesk.ticket"):
                result = self.call(RECORDS + "/" + model, {"query": "abc"}, self.token)
                if model not in self.env:
                    self.assertIn("not installed", result["error"])
                elif (
                    not self.env[model]
                    .with_user(self.user)
                    .check_access_rights("read", raise_exception=False)
                ):
                    self.assertIn("not allowed", result["error"])
                else:
                    self.assertEqual(result, [[{"id": 1, "name": "R"}], 1])
                    delegated.append((model, "abc"))
        self.assertEqual(calls, delegated)

    def test_bad_query(self):
        result = self.call(RECORDS + "/res.partner", {"query": {"a": 1}}, self.token)
        self.assertIn("query", result["error"])
