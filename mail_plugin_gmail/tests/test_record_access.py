from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools import SQL


@tagged("post_install", "-at_install")
class TestRecordAccess(TransactionCase):
    """mail.plugin.access: the record rules' SQL, cached per user and companies, must select
    exactly what the ORM's search selects, and follow every change of rules, groups and
    companies."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Company = cls.env["res.company"]
        cls.company_a = Company.create({"name": "Access Company A"})
        cls.company_b = Company.create({"name": "Access Company B"})
        cls.user = new_test_user(
            cls.env,
            login="mp_access",
            groups="base.group_user,base.group_partner_manager",
            company_id=cls.company_a.id,
            company_ids=[(6, 0, [cls.company_a.id, cls.company_b.id])],
        )
        Partner = cls.env["res.partner"]
        cls.in_a = Partner.create({"name": "Access In A", "company_id": cls.company_a.id})
        cls.in_b = Partner.create({"name": "Access In B", "company_id": cls.company_b.id})
        cls.shared = Partner.create({"name": "Access Shared"})
        cls.hidden = Partner.create({"name": "Access Hidden Person"})
        cls.mine = cls.in_a | cls.in_b | cls.shared | cls.hidden

    def access(self, companies=None):
        companies = companies or self.company_a
        return (
            self.env["mail.plugin.access"]
            .with_user(self.user)
            .with_context(allowed_company_ids=companies.ids)
        )

    def found(self, companies=None, domain=None):
        """Ids found through mail.plugin.access, checked against the ORM's own search."""
        access = self.access(companies)
        domain = domain or [("id", "in", self.mine.ids)]
        query = access._search_as_user("res.partner", domain)
        self.env.cr.execute(query.select())
        ids = {row[0] for row in self.env.cr.fetchall()}
        orm = access.env["res.partner"].search(domain)
        self.assertEqual(ids, set(orm.ids))
        return ids

    def family_rule(self, parent):
        """A rule the ORM parses on each search: a hierarchy other than the companies'."""
        return self.env["ir.rule"].create(
            {
                "name": "only the family of the parent",
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "domain_force": f"[('id', 'child_of', [{parent.id}])]",
            }
        )

    def test_companies_are_part_of_the_key(self):
        self.assertEqual(self.found(self.company_a), set((self.in_a | self.shared | self.hidden).ids))
        self.assertEqual(self.found(self.company_a | self.company_b), set(self.mine.ids))
        self.assertEqual(self.found(self.company_b), set((self.in_b | self.shared | self.hidden).ids))

    def test_cached_sql_runs_no_query(self):
        self.found()
        self.env.invalidate_all()
        with self.assertQueryCount(0):
            self.access()._search_as_user("res.partner", [("id", "in", self.mine.ids)])
        self.assertIsNotNone(self.access()._record_rules_sql("res.partner"))

    def test_a_new_rule_applies_at_once(self):
        self.found()  # cached
        rule = self.env["ir.rule"].create(
            {
                "name": "no hidden partners",
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "domain_force": "[('name', 'not ilike', 'Hidden')]",
            }
        )
        self.assertEqual(self.found(), set((self.in_a | self.shared).ids))
        rule.active = False
        self.assertEqual(self.found(), set((self.in_a | self.shared | self.hidden).ids))

    def test_a_group_change_applies_at_once(self):
        group = self.env["res.groups"].create({"name": "Access sees no shared partner"})
        self.env["ir.rule"].create(
            {
                "name": "no shared partners for the group",
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "domain_force": "[('company_id', '!=', False)]",
                "groups": [(6, 0, group.ids)],
            }
        )
        everyone = set((self.in_a | self.shared | self.hidden).ids)
        self.assertEqual(self.found(), everyone)
        # A group rule of a group the user joins: with the other group rules of the user's
        # groups (none here on contacts), the only group rule, so it restricts.
        self.user.groups_id = [(4, group.id)]
        self.assertEqual(self.found(), set(self.in_a.ids))
        self.user.groups_id = [(3, group.id)]
        self.assertEqual(self.found(), everyone)

    def test_rules_reading_data_are_not_cached(self):
        """A hierarchy other than the companies' changes with the data: such rules are parsed
        by the ORM on each search, and a new child contact shows at once."""
        parent = self.env["res.partner"].create({"name": "Access Parent", "is_company": True})
        child = self.env["res.partner"].create({"name": "Access Child", "parent_id": parent.id})
        self.family_rule(parent)
        domain = [("name", "ilike", "Access")]
        self.assertEqual(self.found(domain=domain), set((parent | child).ids))
        self.assertIsNone(self.access()._record_rules_sql("res.partner"))
        grandchild = self.env["res.partner"].create({"name": "Access Grandchild", "parent_id": child.id})
        self.assertEqual(self.found(domain=domain), set((parent | child | grandchild).ids))

    def test_raw_conditions_see_pending_writes(self):
        """Callers add raw SQL to the Query: what the ORM has not written yet is in the tables
        first, whether the rules' SQL comes from the cache or from the ORM."""
        parent = self.env["res.partner"].create({"name": "Access Pending Parent", "is_company": True})
        child = self.env["res.partner"].create({"name": "Access Pending Child", "parent_id": parent.id})
        for cached in (True, False):
            if not cached:
                self.family_rule(parent)
            self.assertEqual(self.access()._record_rules_sql("res.partner") is not None, cached)
            address = f"pending.{'cached' if cached else 'parsed'}@access.example"
            child.email = address  # not written yet
            query = self.access()._search_as_user("res.partner", [])
            query.add_where(SQL("%s = %s", SQL.identifier("res_partner", "email_normalized"), address))
            self.env.cr.execute(query.select())
            self.assertEqual([row[0] for row in self.env.cr.fetchall()], child.ids, address)

    def test_superuser_has_no_rules(self):
        access = self.env["mail.plugin.access"].sudo()
        self.assertFalse(access._record_rules_sql("res.partner"))
        query = access._search_as_user("res.partner", [("id", "in", self.mine.ids)])
        self.env.cr.execute(query.select())
        self.assertEqual({row[0] for row in self.env.cr.fetchall()}, set(self.mine.ids))

    def test_empty_domain_result(self):
        query = self.access()._search_as_user("res.partner", [("id", "in", [])])
        self.assertTrue(query.is_empty())

    def test_archived_records_follow_active_test(self):
        self.hidden.active = False
        access = self.access()
        for context, expected in (
            ({}, self.in_a | self.shared),
            ({"active_test": False}, self.in_a | self.shared | self.hidden),
        ):
            query = access.with_context(**context)._search_as_user("res.partner", [])
            query.add_where(SQL("%s IN %s", SQL.identifier("res_partner", "id"), tuple(self.mine.ids)))
            self.env.cr.execute(query.select())
            self.assertEqual({row[0] for row in self.env.cr.fetchall()}, set(expected.ids), context)
