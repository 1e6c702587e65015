from odoo import api, models, tools
from odoo.osv import expression
from odoo.tools import SQL
from odoo.tools.query import Query

# Hierarchy operators read records while the rules are turned into SQL; only the companies'
# hierarchy is fixed once made (Odoo refuses to change a company's parent).
HIERARCHY_OPERATORS = ("child_of", "parent_of")
FIXED_HIERARCHIES = ("res.company",)


def _single_node(condition):
    """``condition`` as one SQL node holding every parameter: the tree of the parser's SQL
    objects would be walked again each time a query containing it is sent."""
    return SQL(condition.code, *condition.params)


class MailPluginAccess(models.AbstractModel):
    """The user's record rules as SQL, turned once per user and company set.

    A partner/get applies the rules of contacts, leads and tasks several times; parsing them
    with the ORM costs more than running the queries. Odoo already caches the rules' domains
    per user and companies (``ir.rule._compute_domain``); this caches their SQL with the same
    key and the same life: both are dropped when a rule, a group or a user's groups change.
    Rules whose SQL depends on data read while parsing (a hierarchy other than the companies',
    a search method that runs a query) are not cached: the ORM applies them every time.
    """

    _name = "mail.plugin.access"
    _description = "Mail Plugin Record Access"

    @api.model
    def _search_as_user(self, model_name, domain, order=None, limit=None):
        """``self.env[model_name]._search(domain, order=order, limit=limit)``: a Query of the
        records matching ``domain`` that the user may read, the rules' SQL taken from cache
        (and, for an empty domain, the search's own conditions too: archived records...).

        What the ORM still holds in memory is written first, whichever way the rules come:
        callers add raw SQL conditions to the Query, on any column."""
        model = self.env[model_name]
        self.env.flush_all()
        rules = self._record_rules_sql(model_name)
        if rules is None:
            return model._search(domain, order=order, limit=limit)
        model.check_access_rights("read")
        unfiltered = None if domain else self._unfiltered_search_sql(model_name)
        if unfiltered is None:
            # sudo: the ORM's search without the record rules, for the rules are added right
            # below: the SQL Odoo's own _apply_ir_rules gives for this user and companies.
            query = model.sudo()._search(domain, order=order, limit=limit)
        else:
            query = Query(self.env.cr, model._table, model._table_query)
            if unfiltered:
                query.add_where(unfiltered)
            if order:
                query.order = model._order_to_sql(order, query)
            query.limit = limit
        if rules and not query.is_empty():
            query.add_where(rules)
        return query

    @api.model
    @tools.ormcache("model_name", "self.env.context.get('active_test', True)", "self.env.context.get('lang')")
    def _unfiltered_search_sql(self, model_name):
        """The WHERE condition of the ORM's search of every record of ``model_name``, rules
        left out (archived records, and what the model's own ``_search`` adds), or None when
        it cannot be cached."""
        model = self.env[model_name]
        # sudo: the conditions of the search alone; the record rules are _record_rules_sql's.
        query = model.sudo()._search([])
        if (
            query.is_empty()
            or query.from_clause != Query(self.env.cr, model._table, model._table_query).from_clause
        ):
            return None
        return _single_node(query.where_clause)

    @api.model
    @tools.ormcache(
        "model_name",
        "self.env.uid",
        "self.env.su",
        "tuple(self.env['ir.rule']._compute_domain_context_values())",
        "self.env.context.get('lang')",
    )
    def _record_rules_sql(self, model_name):
        """The WHERE condition the user's read rules add on ``model_name`` (empty SQL when
        none apply), or None when they cannot be cached."""
        model = self.env[model_name]
        if self.env.su:
            return SQL()
        domain = self.env["ir.rule"]._compute_domain(model_name, "read")
        if not domain:
            return SQL()
        if not self._prepare_rules_parsing(model, domain):
            return None
        bare = Query(self.env.cr, model._table, model._table_query)
        query = Query(self.env.cr, model._table, model._table_query)
        queries_before = self.env.cr.sql_log_count
        model._apply_ir_rules(query, "read")
        if self.env.cr.sql_log_count != queries_before or query.from_clause != bare.from_clause:
            return None  # read data, or needed a join: left to the ORM on each search
        return _single_node(query.where_clause)

    @api.model
    def _prepare_rules_parsing(self, model, domain):
        """False when ``domain`` uses a hierarchy that may change. Otherwise the companies its
        hierarchy operators name are read first, so that parsing it runs no query of its own."""
        for leaf in domain:
            if not expression.is_leaf(leaf):
                continue
            comodel = self._path_model(model, leaf[0])
            if leaf[1] in ("any", "not any"):
                if comodel is None or not self._prepare_rules_parsing(comodel, leaf[2]):
                    return False
                continue
            if leaf[1] not in HIERARCHY_OPERATORS:
                continue
            if comodel is None or comodel._name not in FIXED_HIERARCHIES:
                return False
            ids = leaf[2] if isinstance(leaf[2], (list, tuple)) else [leaf[2]]
            if not all(isinstance(record_id, int) for record_id in ids):
                return False
            # sudo: reads the companies' position in their hierarchy, as the parser does.
            comodel.sudo().browse([record_id for record_id in ids if record_id]).mapped("parent_path")
        return True

    @api.model
    def _path_model(self, model, path):
        """The model ``path`` (``field.field...``) ends on, or None when it is not a field path."""
        if not isinstance(path, str):
            return None
        for name in path.split("."):
            field = model._fields.get(name)
            if field is None:
                return None
            if field.relational:
                model = self.env[field.comodel_name]
        return model
