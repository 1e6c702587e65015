import logging

from odoo.tests import TransactionCase, tagged
from odoo.tools import sql

from ..tools.partner_indexes import ensure_partner_indexes, partner_indexes
from .common import MailPluginHttpCase
from .partner_common import PNG

_logger = logging.getLogger(__name__)


@tagged("post_install", "-at_install")
class TestLookupIndexes(TransactionCase):
    """The lookups of partner/get and partner/search must not scan res_partner."""

    def field_index_names(self):
        """ORM-made indexes of the fields the exact lookups use (when this version has them)."""
        Partner = self.env["res.partner"]
        return [
            sql.make_index_name("res_partner", name)
            for name in ("email_normalized", "mail_plugin_email_domain")
            if name in Partner._fields and Partner._fields[name].index
        ]

    def test_indexes_exist_after_install(self):
        wanted = list(partner_indexes(self.env)) + self.field_index_names()
        self.assertIn(sql.make_index_name("res_partner", "email_normalized"), wanted)
        if self.env.registry.has_trigram:
            self.assertIn("res_partner_mail_plugin_complete_name_trgm", wanted)
        self.env.cr.execute(
            """
            SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
             WHERE c.relname IN %s AND i.indisvalid
            """,
            [tuple(wanted)],
        )
        self.assertCountEqual([row[0] for row in self.env.cr.fetchall()], wanted)

    def test_ensure_indexes_is_idempotent(self):
        self.assertEqual(ensure_partner_indexes(self.env), [])
        if self.env.registry.has_trigram:
            self.env.cr.execute('DROP INDEX "res_partner_mail_plugin_email_trgm"')
            # A small table: rebuilt in the transaction, not deferred to a concurrent build.
            self.assertEqual(ensure_partner_indexes(self.env), ["res_partner_mail_plugin_email_trgm"])
            self.assertTrue(sql.index_exists(self.env.cr, "res_partner_mail_plugin_email_trgm"))

    def plan(self, domain):
        """PostgreSQL's plan for the ORM's query of ``domain``, sequential scans disfavoured so
        that the plan on a small test table is the one a large table gets."""
        query = self.env["res.partner"]._search(domain, limit=30)
        sql_query = query.select()
        self.env.cr.execute("SET LOCAL enable_seqscan = off")
        try:
            self.env.cr.execute(f"EXPLAIN {sql_query.code}", sql_query.params)
            return "\n".join(row[0] for row in self.env.cr.fetchall())
        finally:
            self.env.cr.execute("SET LOCAL enable_seqscan = on")

    def assertIndexed(self, domain, index_name):
        plan = self.plan(domain)
        self.assertNotIn("Seq Scan on res_partner", plan)
        self.assertIn(index_name, plan)

    def test_exact_email_lookup_uses_index(self):
        self.assertIndexed(
            [("email_normalized", "=", "jane.doe@example.com")],
            sql.make_index_name("res_partner", "email_normalized"),
        )

    def test_company_domain_lookup_uses_index(self):
        self.assertIndexed(
            [("mail_plugin_email_domain", "in", ["eu.acme.com", "acme.com"])],
            sql.make_index_name("res_partner", "mail_plugin_email_domain"),
        )

    def test_name_and_email_search_uses_trigram_indexes(self):
        if not self.env.registry.has_trigram:
            self.skipTest("pg_trgm is not available")
        plan = self.plan(["|", ("complete_name", "ilike", "ramona kel"), ("email", "ilike", "ramona.kel")])
        self.assertNotIn("Seq Scan on res_partner", plan)
        self.assertIn("res_partner_mail_plugin_complete_name_trgm", plan)
        self.assertIn("res_partner_mail_plugin_email_trgm", plan)


@tagged("post_install", "-at_install")
class TestTokenCheckCost(TransactionCase):
    def test_token_check_is_one_query_once_use_is_recorded(self):
        user = self.env.ref("base.user_admin")
        connections = self.env["mail.plugin.connection"].sudo()
        _connection, token = connections._create_for_user(user, "Gmail")
        self.assertEqual(connections._authenticate_token(token), user.id)  # records the use
        self.env.flush_all()
        with self.assertQueryCount(1):
            self.assertEqual(connections._authenticate_token(token), user.id)


@tagged("post_install", "-at_install")
class TestPartnerGetQueries(MailPluginHttpCase):
    """partner/get reads a fixed number of queries: the contact and its company, their images,
    the contact's family (its child contacts' ids) and one for all the apps' sections (rows
    and counts together), whatever the number of records.

    Runs on a database without apps and on one with CRM and Project: the expected counts
    depend on which apps are installed. A request adds its own: the registry check and the
    token (see bench/RESULTS.md for the counts of whole requests).
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.grant_app_groups("sales_team.group_sale_salesman_all_leads", "project.group_project_manager")
        Partner = cls.env["res.partner"]
        cls.company = Partner.create(
            {
                "name": "Query Corp",
                "is_company": True,
                "email": "info@query-corp.test",
                "image_1920": PNG,
                "country_id": cls.env.ref("base.be").id,
            }
        )
        cls.person = Partner.create(
            {"name": "Quinn Query", "email": "quinn@query-corp.test", "parent_id": cls.company.id}
        )
        cls.busy = Partner.create(
            {"name": "Busy Buyer", "email": "busy@query-corp.test", "parent_id": cls.company.id}
        )
        if "crm.lead" in cls.env:
            Lead = cls.env["crm.lead"]
            Lead.create([{"name": f"Q{i}", "partner_id": cls.person.id} for i in range(3)])
            Lead.create([{"name": f"B{i}", "partner_id": cls.busy.id} for i in range(40)])
            Lead.create({"name": "Web form", "email_from": "busy@query-corp.test"})
        if "project.task" in cls.env:
            project = cls.env["project.project"].create({"name": "Query Project"})
            cls.env["project.task"].create(
                [{"name": f"T{i}", "project_id": project.id, "partner_id": cls.busy.id} for i in range(12)]
            )
        # The contact's family, then one query for the sections of this module's installed
        # apps, all together.
        cls.sections = 2 if any(model in cls.env for model in ("crm.lead", "project.task")) else 0

    def setUp(self):
        super().setUp()
        # Counted for this module's apps: another installed module may add sections.
        Apps = type(self.env["mail.plugin.app"])
        descriptions = Apps._app_descriptions
        own = ("res.partner", "crm.lead", "project.task", "project.project")
        self.patch(
            Apps, "_app_descriptions", lambda apps: {m: d for m, d in descriptions(apps).items() if m in own}
        )
        # The descriptions are cached per language: built again from the patched method.
        self.env.registry.clear_cache()
        self.addCleanup(self.env.registry.clear_cache)

    def assertQueries(self, expected, email):
        """Exactly ``expected`` queries for the answer about ``email`` (Odoo's assertQueryCount
        only fails on more)."""
        Partners = self.env["mail.plugin.partner"].with_user(self.user)
        Partners._contact_answer(email, "X")  # warm the caches every request shares
        self.env.flush_all()
        self.env.invalidate_all()
        with self.assertQueryCount(expected):
            before = self.cr.sql_log_count
            _logger.info("queries of the answer about %s:", email)
            answer = Partners._contact_answer(email, "X")
            count = self.cr.sql_log_count - before
        self.assertEqual(count, expected)
        return answer

    def test_known_sender(self):
        # contact and company in one query, their images, the family and the sections (the SQL
        # of the record rules is cached: parsing them reads the companies on the first request)
        answer = self.assertQueries(2 + self.sections, "quinn@query-corp.test")
        self.assertEqual(answer["partner"]["id"], self.person.id)
        self.assertEqual(answer["partner"]["company"]["id"], self.company.id)
        self.assertEqual(answer["partner"]["company"]["address"]["country"], "Belgium")
        if "crm.lead" in self.env:
            self.assertEqual(answer["lead_count"], 3)

    def test_contact_with_many_records(self):
        answer = self.assertQueries(2 + self.sections, "busy@query-corp.test")
        if "crm.lead" in self.env:
            self.assertEqual((len(answer["leads"]), answer["lead_count"]), (5, 41))
        if "project.task" in self.env:
            self.assertEqual((len(answer["tasks"]), answer["task_count"]), (5, 12))

    def test_company_lists_its_people_records(self):
        answer = self.assertQueries(2 + self.sections, "info@query-corp.test")
        self.assertEqual(answer["partner"]["id"], self.company.id)
        if "crm.lead" in self.env:
            self.assertEqual(answer["lead_count"], 43)

    def test_unknown_sender(self):
        # the contact lookup, the company by domain, its image; the sections are empty
        # without a query
        answer = self.assertQueries(3, "newcomer@query-corp.test")
        self.assertEqual(answer["partner"]["company"]["id"], self.company.id)
        # a public provider names no company
        self.assertQueries(1, "newcomer@gmail.com")

    def test_country_name_follows_a_rename(self):
        self.assertQueries(2 + self.sections, "quinn@query-corp.test")  # caches the name
        self.env.ref("base.be").name = "Kingdom of Belgium"
        answer = self.env["mail.plugin.partner"].with_user(self.user)._contact_answer("quinn@query-corp.test")
        self.assertEqual(answer["partner"]["company"]["address"]["country"], "Kingdom of Belgium")
