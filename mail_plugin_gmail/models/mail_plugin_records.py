import functools

from odoo import _, api, models
from odoo.osv import expression
from odoo.tools import SQL
from odoo.tools.query import Query

from ..tools.exceptions import MailPluginError
from ..tools.params import SEARCH_LIMIT

# Rows shown per section in partner/get: the add-on displays five and a "Show all" link.
PARTNER_LIST_LIMIT = 5
MAX_SEARCH_LIMIT = 200
# A family up to this size is listed in the sections' statement (_partner_family).
MAX_LISTED_FAMILY = 20


class MailPluginRecords(models.AbstractModel):
    """The apps' records as the add-on uses them: the contact's sections, searches,
    creations from an email, and the older add-on's links.

    Generic: what differs between models is described by mail.plugin.app.
    """

    _name = "mail.plugin.records"
    _description = "Mail Plugin Records"

    # ------------------------------------------------------------------------------------
    # partner/get
    # ------------------------------------------------------------------------------------
    @api.model
    def _partner_records_domain(self, model, partner, family):
        """Records shown on a contact's card.

        ``family`` is the contact and its child contacts, so that a company card lists its
        people's records too. Records without a contact also match on the normalized email
        when their app says so (a lead from a web form or an incoming email usually has only
        the address).
        """
        domain = [("partner_id", "in", family.ids)]
        email_field = self.env["mail.plugin.app"]._app(model).get("card_email_field")
        if email_field and partner.email_normalized:
            domain = expression.OR(
                [domain, [("partner_id", "=", False), (email_field, "=", partner.email_normalized)]]
            )
        return domain

    @api.model
    def _partner_family_query(self, partner):
        """The contact and its child contacts the user may read (a Query). The condition is
        written directly: a domain would be parsed again on every request."""
        query = self.env["mail.plugin.access"]._search_as_user("res.partner", [])
        column = functools.partial(SQL.identifier, "res_partner")
        query.add_where(
            SQL("(%s = %s OR %s = %s)", column("id"), partner.id, column("parent_id"), partner.id)
        )
        return query

    @api.model
    def _partner_family(self, partner):
        """The ids of the contact and of its child contacts the user may read, or their Query
        when they are more than MAX_LISTED_FAMILY (a company with many people). A short list
        is written into the sections' statement: PostgreSQL then plans with the ids
        themselves, and reads each one's newest records in order (_partner_section_sql)."""
        query = self._partner_family_query(partner)
        query.limit = MAX_LISTED_FAMILY + 1
        ids = list(query)
        if len(ids) > MAX_LISTED_FAMILY:
            # A fresh Query: the executed one would stand for its first ids as a subquery.
            return self._partner_family_query(partner)
        return sorted(ids)

    @api.model
    def _partner_records_conditions(self, model, partner, family=None):
        """SQL twin of _partner_records_domain for the one-query sections, as disjoint
        conditions (their results are added up): the contact's family (_partner_family), and
        the records with only the contact's address. Each is then found through an index of
        its own (in one ``OR``, or with a subquery, PostgreSQL would read far more rows). A
        family given as a Query is an array PostgreSQL computes once (``= ANY(ARRAY(...))``).
        """
        table = self.env[model]._table
        if family is None:
            family = self._partner_family(partner)
        partner_column = SQL.identifier(table, "partner_id")
        if isinstance(family, Query):
            conditions = [SQL("%s = ANY(ARRAY(%s))", partner_column, family.subselect())]
        elif not family:  # the contact itself is not readable
            conditions = [SQL("FALSE")]
        elif len(family) == 1:
            conditions = [SQL("%s = %s", partner_column, family[0])]
        else:
            conditions = [SQL("%s = ANY(%s)", partner_column, list(family))]
        email_field = self.env["mail.plugin.app"]._app(model).get("card_email_field")
        if email_field and partner.email_normalized:
            conditions.append(
                SQL(
                    "%s IS NULL AND %s = %s",
                    partner_column,
                    SQL.identifier(table, email_field),
                    partner.email_normalized,
                )
            )
        return conditions

    @api.model
    def _partner_section_search(self, model, partner):
        """``(rows, total)`` of a section whose app gives no columns: the ORM's search."""
        records = self.env[model]
        domain = self._partner_records_domain(model, partner, partner | partner.child_ids)
        found = records.search(domain, limit=PARTNER_LIST_LIMIT, order="create_date desc, id desc")
        count = len(found)
        if count == PARTNER_LIST_LIMIT:
            count = records.search_count(domain)
        return self.env["mail.plugin.app"]._rows(found), count

    @api.model
    def _partner_section_sql(self, model, partner, family=None):
        """SQL of one value, ``{"rows": [{column: value}], "count": total}``: the section of
        ``model`` on the contact's card, with the columns of the app's ``_<key>_card_columns``
        hook (None without that hook). The user's record rules apply (mail.plugin.access).

        The matching records are gathered first (materialized: PostgreSQL then finds them
        through the indexes of the conditions, rather than walking the whole table in date
        order in the hope of five early matches), then the first rows and the total count
        of those. When the app says its table has an index on ``(partner_id, create_date,
        id)`` (``card_partner_order_index``) and the family is a short list, each member's
        newest records are read from that index in order, and counted from it, instead: a
        contact with 10,000 opportunities is not gathered to show five. Being a single
        value, several sections go to the database in one statement.
        """
        apps = self.env["mail.plugin.app"]
        columns_hook = apps._app_hook(model, "_{key}_card_columns", None)
        if columns_hook is None:
            return None
        if family is None:
            family = self._partner_family(partner)
        columns = columns_hook()
        table = self.env[model]._table
        # The user's record rules, archived records left out. Raw SQL: this also writes to
        # the tables what the ORM still holds in memory.
        readable = self.env["mail.plugin.access"]._search_as_user(model, [])

        def select(what, condition, tail=None):
            where = SQL(" AND ").join(filter(None, [readable.where_clause, condition]))
            return SQL("(SELECT %s FROM %s WHERE %s%s)", what, readable.from_clause, where, tail or SQL())

        id_and_date = SQL(", ").join(SQL.identifier(table, name) for name in ("id", "create_date"))
        conditions = self._partner_records_conditions(model, partner, family)
        candidates = [SQL("(SELECT id, create_date FROM matched)")]
        count = SQL("(SELECT COUNT(*) FROM matched)")
        if apps._app(model).get("card_partner_order_index") and isinstance(family, list) and family:
            family_condition = conditions.pop(0)
            newest = SQL(
                " ORDER BY %s DESC, %s DESC LIMIT %s",
                SQL.identifier(table, "create_date"),
                SQL.identifier(table, "id"),
                PARTNER_LIST_LIMIT,
            )
            if len(family) == 1:
                candidates.append(select(id_and_date, family_condition, newest))
            else:
                member = SQL("%s = member.id", SQL.identifier(table, "partner_id"))
                candidates.append(
                    SQL(
                        "(SELECT newest.id, newest.create_date FROM unnest(%s) AS member(id)"
                        " CROSS JOIN LATERAL %s AS newest)",
                        family,
                        select(id_and_date, member, newest),
                    )
                )
            count = SQL("%s + %s", select(SQL("COUNT(*)"), family_condition), count)
        if conditions:
            matched = SQL(" UNION ALL ").join(select(id_and_date, condition) for condition in conditions)
        else:
            matched = SQL("SELECT NULL::int AS id, NULL::timestamp AS create_date WHERE FALSE")
        return SQL(
            """(WITH matched AS MATERIALIZED (%(matched)s),
                     shown AS (SELECT id, create_date FROM (%(candidates)s) AS candidate
                                ORDER BY create_date DESC, id DESC LIMIT %(limit)s)
                SELECT json_build_object(
                    'rows', (SELECT COALESCE(json_agg(json_build_object(%(columns)s)
                                                      ORDER BY shown.create_date DESC, shown.id DESC),
                                             '[]')
                               FROM shown JOIN %(table)s ON %(table)s.id = shown.id),
                    'count', %(count)s))""",
            matched=matched,
            candidates=SQL(" UNION ALL ").join(candidates),
            count=count,
            limit=PARTNER_LIST_LIMIT,
            columns=SQL(", ").join(SQL("%s, %s", key, column) for key, column in columns.items()),
            table=SQL.identifier(table),
        )

    @api.model
    def _partner_section_rows(self, model, section):
        """``(rows, total)`` from the value of _partner_section_sql."""
        rows = self.env["mail.plugin.app"]._app_hook(model, "_{key}_card_rows")(section["rows"])
        return rows, section["count"]

    @api.model
    def _partner_records_data(self, partner):
        """Keys merged into the answer of partner/get for ``partner`` (a res.partner, maybe
        empty for an unknown sender): each app's list, its count and its can-create flag.

        A section is present when its app is installed and the user may read or create its
        records; it is ``[]`` for an unknown sender so that the add-on offers "Create".
        The sections of the apps that give their columns are read in one query, once the
        contact's family is known (_partner_family).
        """
        apps = self.env["mail.plugin.app"]
        data = {}
        family = None
        pending = {}  # model -> (card, SQL of its section)
        for model, app in apps._apps().items():
            card = app.get("card")
            if not card or model not in self.env:
                continue
            records = self.env[model]
            can_create = records.check_access_rights("create", raise_exception=False)
            if "list" not in card:
                data[card["can_create"]] = can_create
                continue
            can_read = records.check_access_rights("read", raise_exception=False)
            if not (can_read or can_create):
                continue
            data.update({card["list"]: [], card["count"]: 0, card["can_create"]: can_create})
            if not (partner and can_read):
                continue
            if apps._app_hook(model, "_{key}_card_columns", None) is None:
                data[card["list"]], data[card["count"]] = self._partner_section_search(model, partner)
                continue
            if family is None:
                family = self._partner_family(partner)
            pending[model] = (card, self._partner_section_sql(model, partner, family))
        if pending:
            self.env.cr.execute(
                SQL("SELECT %s", SQL(", ").join(section for _card, section in pending.values()))
            )
            for (model, (card, _section)), value in zip(pending.items(), self.env.cr.fetchone(), strict=True):
                data[card["list"]], data[card["count"]] = self._partner_section_rows(model, value)
        return data

    # ------------------------------------------------------------------------------------
    # search_records / project/search
    # ------------------------------------------------------------------------------------
    @api.model
    def _search_term_domain(self, model, term):
        fields = self.env["mail.plugin.app"]._app(model).get("search_fields") or ["name"]
        return expression.OR([[(field, "ilike", term)] for field in fields])

    @api.model
    def _search_records(self, model, query, limit=None):
        """``[rows, total]`` for search_records.

        ``query`` is a text or a list of texts (any of them may match). An empty query lists
        the records of apps that say so (projects: the add-on shows them to choose where a
        task goes) and nothing otherwise.
        """
        apps = self.env["mail.plugin.app"]
        if model not in apps._app_models("searchable"):
            raise MailPluginError(_("Records of type %s cannot be searched from the add-on.", model))
        app = apps._check_app(model)
        records = self.env[model]
        if not records.check_access_rights("read", raise_exception=False):
            raise MailPluginError(_("You are not allowed to read these records."))
        search_hook = apps._app_hook(model, "_{key}_search", None)
        if search_hook:
            return search_hook(query, limit)
        if isinstance(query, str) or query is None or query is False:
            terms = [query or ""]
        elif isinstance(query, list) and all(isinstance(term, str) for term in query):
            terms = query
        else:
            raise MailPluginError(_("Invalid parameter query: a text or a list of texts is expected"))
        terms = [term.strip() for term in terms if term and term.strip()]
        if not terms and not app.get("search_all_on_empty"):
            return [[], 0]
        domain = expression.OR([self._search_term_domain(model, term) for term in terms]) if terms else []
        if not isinstance(limit, int) or isinstance(limit, bool) or not 0 < limit <= MAX_SEARCH_LIMIT:
            limit = SEARCH_LIMIT
        order = app.get("search_order", "create_date desc, id desc")
        found = records.search(domain, limit=limit, order=order)
        total = len(found) if len(found) < limit else records.search_count(domain)
        return [apps._rows(found), total]

    # ------------------------------------------------------------------------------------
    # Creations
    # ------------------------------------------------------------------------------------
    @api.model
    def _record_contact(self, partner_id, email="", name=""):
        """The contact a new record is linked to: the given one, else the one with that
        email, else a new contact (the newer add-on creates records for unknown senders)."""
        partners = self.env["res.partner"]
        if partner_id:
            # One answer for "missing" and "not yours": a search as the user.
            partner = partners.search([("id", "=", partner_id)], limit=1)
            if not partner:
                raise MailPluginError(_("This contact does not exist or you are not allowed to see it."))
            return partner
        if not email:
            raise MailPluginError(_("Missing parameter: partner_id or partner_email"))
        # Found, or created with its domain's company and a name, exactly as partner/create.
        return partners._mail_plugin_create_contact(name, email)

    @api.model
    def _contact_keys(self, partner):
        """The contact as the newer add-on reads it after a creation."""
        image = partner.image_128
        return {
            "partner_id": partner.id,
            "partner_image": image and "data:image/png;base64," + image.decode() or False,
        }

    @api.model
    def _in_company(self, records, company):
        """``records`` in ``company`` when the user works in it (as the contact's company)."""
        if company and company in self.env.user.company_ids:
            return records.with_company(company)
        return records

    @api.model
    def _create_from_email(self, model, partner, subject, body, attachments=(), **params):
        """A ``model`` record made from an email, linked to ``partner``, with the email's
        attachments. ``params``: what the model's ``_prepare_<key>_values`` needs more."""
        apps = self.env["mail.plugin.app"]
        app = apps._check_app(model)
        mail = self.env["mail.plugin.email"]
        values = apps._prepare_values(model, partner, subject, mail._sanitize_email_html(body), **params)
        records = self.env[model]
        if app.get("company_field"):
            field = records._fields[app["company_field"]]
            linked = self.env[field.comodel_name].browse(values[field.name])
            records = self._in_company(records, linked.company_id)
        record = records.create(values)
        mail._attach(record, attachments)
        return record

    @api.model
    def _create_project(self, name):
        self.env["mail.plugin.app"]._check_app("project.project")
        return self.env["project.project"].create({"name": name})

    # ------------------------------------------------------------------------------------
    # Links of the older add-on
    # ------------------------------------------------------------------------------------
    @api.model
    def _legacy_addon_action(self, xmlid):
        """A form action standing in for an action xml id of Odoo's connector modules.

        The older add-on opens ``/web#id=..&action=<xmlid>&model=..&view_type=form`` after
        creating a lead or a task. Those xml ids do not exist here, and the web client would
        show "The action ... does not exist" instead of the record: the action loader
        asks this method before giving up. None when the xml id is not one of these or its
        app is missing.
        """
        for model, app in self.env["mail.plugin.app"]._apps().items():
            legacy_xmlid, view_xmlid = app.get("legacy_action") or (None, None)
            if legacy_xmlid == xmlid and model in self.env:
                view = self.env.ref(view_xmlid, raise_if_not_found=False)
                return {
                    "type": "ir.actions.act_window",
                    "name": self.env[model]._description,
                    "res_model": model,
                    "view_mode": "form",
                    "views": [[view.id if view else False, "form"]],
                    "target": "current",
                    "context": {},
                }
        return None
