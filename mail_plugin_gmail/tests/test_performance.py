from odoo.tests import TransactionCase, tagged
from odoo.tools import sql

from ..tools.partner_indexes import ensure_partner_indexes, partner_indexes


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
        if "mail_plugin_email_domain" not in self.env["res.partner"]._fields:
            self.skipTest("no stored company domain in this version")
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
