from odoo import _, api, fields, models, tools
from odoo.osv import expression
from odoo.osv.expression import get_unaccent_wrapper
from odoo.tools import SQL, email_normalize, sql

from ..tools import email_domains
from ..tools.contact_names import contact_name
from ..tools.exceptions import MailPluginError
from ..tools.params import SEARCH_LIMIT
from ..tools.partner_indexes import ensure_partner_indexes

# Fields the add-on's shapes read, fetched in one query with the search that finds the records
# (a contact may be a company itself, so its company fields come along).
COMPANY_FIELDS = [
    "name",
    "email",
    "email_normalized",
    "phone",
    "mobile",
    "is_company",
    "website",
    "street",
    "zip",
    "city",
    "country_id",
]
CONTACT_FIELDS = [*COMPANY_FIELDS, "parent_id"]


def _without_unaccent(sql):
    return sql


# Contacts sharing one address, and their companies, read by partner/get's single lookup.
MAX_FAMILY = 50


class ResPartner(models.Model):
    _inherit = "res.partner"

    # Every lookup by sender is an equality on this column: index it (Odoo 17 does not).
    email_normalized = fields.Char(index="btree_not_null")
    mail_plugin_email_domain = fields.Char(
        string="Company Mail Domain",
        compute="_compute_mail_plugin_email_domain",
        store=True,
        index="btree_not_null",
        copy=False,
        help="For a company: the domain of its email (else of its website) unless it is a public "
        "mail provider. The mail add-on finds a sender's company through it.",
    )

    @api.depends("is_company", "email_normalized", "website")
    def _compute_mail_plugin_email_domain(self):
        for partner in self:
            partner.mail_plugin_email_domain = partner.is_company and email_domains.company_domain(
                partner.email_normalized, partner.website
            )

    def init(self):
        """On install and on every update: build the lookup indexes that are missing
        (concurrently, after commit, on a large table: see partner_indexes)."""
        result = super().init()
        ensure_partner_indexes(self.env)
        return result

    def _register_hook(self):
        """After modules were installed or updated: CRM or Project may have come after this
        module, and their tables need the contact card's indexes too."""
        result = super()._register_hook()
        if self.pool.updated_modules:
            ensure_partner_indexes(self.env)
        return result

    def _auto_init(self):
        # On a large database the ORM would compute the new column record by record; creating
        # it here and filling it with one UPDATE takes seconds instead.
        cr = self.env.cr
        if not sql.column_exists(cr, self._table, "mail_plugin_email_domain"):
            sql.create_column(cr, self._table, "mail_plugin_email_domain", "varchar")
            # Index first, then fill: an index built after an UPDATE of the same transaction
            # is flagged "check xmin" and unused by every query until all transactions older
            # than the install have ended (on a busy server: minutes of sequential scans).
            for column in ("email_normalized", "mail_plugin_email_domain"):
                sql.create_index(
                    cr,
                    sql.make_index_name(self._table, column),
                    self._table,
                    [f'"{column}"'],
                    where=f'"{column}" IS NOT NULL',
                )
            self._mail_plugin_fill_email_domain()
        return super()._auto_init()

    def _mail_plugin_fill_email_domain(self):
        """SQL twin of ``_compute_mail_plugin_email_domain`` (see email_domains)."""
        public = {
            "domains": sorted(email_domains.PUBLIC_DOMAINS),
            "labels": sorted(email_domains.PUBLIC_LABELS),
            "pattern": email_domains.WEBSITE_HOST_PATTERN,
        }
        self.env.cr.execute(
            """
            WITH candidate AS (
                SELECT id,
                       lower(split_part(email_normalized, '@', 2)) AS from_email,
                       lower(substring(btrim(website) from %(pattern)s)) AS from_website
                  FROM res_partner
                 WHERE is_company
            )
            UPDATE res_partner p
               SET mail_plugin_email_domain = CASE
                   WHEN c.from_email LIKE '%%.%%'
                        AND NOT (c.from_email = ANY(%(domains)s)
                                 OR split_part(c.from_email, '.', 1) = ANY(%(labels)s))
                   THEN c.from_email
                   WHEN c.from_website LIKE '%%.%%'
                        AND NOT (c.from_website = ANY(%(domains)s)
                                 OR split_part(c.from_website, '.', 1) = ANY(%(labels)s))
                   THEN c.from_website
                   END
              FROM candidate c
             WHERE c.id = p.id AND (c.from_email LIKE '%%.%%' OR c.from_website LIKE '%%.%%')
            """,
            public,
        )

    # --- finding records ------------------------------------------------------------------

    @api.model
    @tools.ormcache()
    def _mail_plugin_notification_emails(self):
        """The database's own addresses (bounce, catchall, default sender): never contacts.

        Cached: asked on every partner/get; mail.alias.domain clears it when it changes.
        """
        # sudo: alias domains are configuration; only their public addresses are used here.
        alias_domains = (
            self.env["mail.alias.domain"]
            .sudo()
            .search_fetch([], ["name", "bounce_alias", "catchall_alias", "default_from"])
        )
        emails = set()
        for alias_domain in alias_domains:
            for address in (
                alias_domain.bounce_email,
                alias_domain.catchall_email,
                alias_domain.default_from_email,
            ):
                normalized = address and email_normalize(address)
                if normalized:
                    emails.add(normalized)
        return frozenset(emails)

    @api.model
    def _mail_plugin_find_contact(self, email_normalized):
        """The contact with exactly this address that the user may read (a person first)."""
        if not email_normalized:
            return self.browse()
        return self._mail_plugin_search_fetch(
            [("email_normalized", "=", email_normalized)], CONTACT_FIELDS, order="is_company, id", limit=1
        )

    @api.model
    def _mail_plugin_search_fetch(self, domain, field_names, order=None, limit=None):
        """``search_fetch`` as the user, with the record rules' SQL from mail.plugin.access."""
        access = self.env["mail.plugin.access"]
        query = access._search_as_user(self._name, domain, order=order or self._order, limit=limit)
        return self._mail_plugin_fetch(query, field_names)

    @api.model
    def _mail_plugin_fetch(self, query, field_names):
        """The records of ``query`` with these fields in cache, read by that one query."""
        if query.is_empty():
            return self.browse()
        return self._fetch_query(query, self._determine_fields_to_fetch(field_names))

    @api.model
    def _mail_plugin_find_contact_and_company(self, email_normalized=None, partner_id=None):
        """``(contact, company)`` in one query: the contact by address (a person first) or by
        id, and its company if the user may read it (else an empty recordset).

        The companies come in through an array PostgreSQL computes once: a subquery inside
        the ``OR`` of a domain would make it read every contact.
        """
        if partner_id:
            column, value = "id", partner_id
        elif email_normalized:
            column, value = "email_normalized", email_normalized
        else:
            return self.browse(), self.browse()
        # The condition below is raw SQL: _search_as_user writes pending changes first.
        query = self.env["mail.plugin.access"]._search_as_user(
            self._name, [], order="is_company, id", limit=MAX_FAMILY
        )
        query.add_where(
            SQL(
                "(%s = %s OR %s = ANY(ARRAY(SELECT parent_id FROM res_partner WHERE %s = %s)))",
                SQL.identifier(self._table, column),
                value,
                SQL.identifier(self._table, "id"),
                SQL.identifier(column),
                value,
            )
        )
        found = self._mail_plugin_fetch(query, CONTACT_FIELDS)
        contact = found.filtered(lambda partner: partner[column] == value)[:1]
        if contact.is_company:
            return contact, contact
        company = contact.parent_id
        return contact, company if company and company in found else self.browse()

    @api.model
    def _mail_plugin_find_company(self, email_normalized):
        """The company the sender's domain belongs to, or an empty recordset.

        Public mail providers name no company. ``jane@eu.acme.com`` finds a company of
        ``eu.acme.com``, else of ``acme.com``. Uses the indexed domain column only.
        """
        domains = email_domains.sender_domains(email_normalized)
        if not domains:
            return self.browse()
        companies = self._mail_plugin_search_fetch(
            [("mail_plugin_email_domain", "in", domains)],
            [*COMPANY_FIELDS, "mail_plugin_email_domain"],
            order="id",
            limit=50,
        )
        for domain in domains:
            for company in companies:
                if company.mail_plugin_email_domain == domain:
                    return company
        return self.browse()

    @api.model
    def _mail_plugin_search(self, search_term, limit=SEARCH_LIMIT):
        """Contacts matching a typed text.

        A whole address finds the contacts having it (the add-on's user pasted the sender's
        address); only when none has it, it is looked for as any other text: in names,
        emails and references (see _mail_plugin_text_query).
        """
        term = (search_term or "").strip()
        if not term:
            return self.browse()
        normalized = email_normalize(term)
        exact = self._mail_plugin_search_emails([normalized], limit) if normalized else self.browse()
        if exact:
            return exact
        return self._mail_plugin_fetch(
            self._mail_plugin_text_query(term, order=self._order, limit=limit), CONTACT_FIELDS
        )

    @api.model
    def _mail_plugin_search_count(self, search_term):
        """How many contacts _mail_plugin_search finds without its limit."""
        term = (search_term or "").strip()
        if not term:
            return 0
        normalized = email_normalize(term)
        count = normalized and self.search_count([("email_normalized", "=", normalized)])
        if count:
            return count
        self.env.cr.execute(self._mail_plugin_text_query(term).select("COUNT(*)"))
        return self.env.cr.fetchone()[0]

    @api.model
    def _mail_plugin_text_query(self, term, order=None, limit=None):
        """A Query of the contacts the user may read whose name or email contains ``term``,
        or whose reference is ``term`` (``order``, ``limit``: as for a search).

        A text with a blank is not looked for in emails: an address has none, and each
        trigram index read costs milliseconds on a million contacts. A name of several words
        is looked up word by word in the trigram index, then checked whole: the index then
        reads none of the very common trigrams of the words' edges ("  j", " ja"...), which
        take most of the time on a large contact book.
        """
        words = term.split()
        name_sql = self._mail_plugin_domain_sql([("complete_name", "ilike", term)])
        if len(words) > 1 and any(len(word) >= 3 for word in words):
            field = self._fields["complete_name"]
            unaccent = (
                get_unaccent_wrapper(self.env.cr) if getattr(field, "unaccent", False) else _without_unaccent
            )
            # "|| ''": the whole text is checked on the rows the words found, without the index.
            whole = SQL(
                "(%s || '') ILIKE %s",
                unaccent(SQL("%s::text", SQL.identifier(self._table, "complete_name"))),
                unaccent(SQL("%s", f"%{term}%")),
            )
            words_sql = self._mail_plugin_domain_sql([("complete_name", "ilike", word) for word in words])
            name_sql = SQL("(%s AND %s)", words_sql, whole)
        others = [("ref", "=", term)]
        if len(words) == 1:
            others.append(("email", "ilike", term))
        query = self.env["mail.plugin.access"]._search_as_user(self._name, [], order=order, limit=limit)
        query.add_where(
            SQL(
                "(%s)",
                SQL(" OR ").join([name_sql, *(self._mail_plugin_domain_sql([leaf]) for leaf in others)]),
            )
        )
        return query

    @api.model
    def _mail_plugin_domain_sql(self, domain):
        """The condition the ORM writes for ``domain`` (neither record rules nor archives)."""
        return expression.expression(domain, self).query.where_clause

    @api.model
    def _mail_plugin_search_emails(self, emails, limit=SEARCH_LIMIT):
        """Contacts having one of these (normalized) addresses."""
        emails = [email for email in emails if email]
        if not emails:
            return self.browse()
        return self._mail_plugin_search_fetch(
            [("email_normalized", "in", emails)], CONTACT_FIELDS, limit=limit
        )

    # --- access ---------------------------------------------------------------------------

    def _mail_plugin_writable_ids(self):
        """Ids of these contacts (found or created by the user, so readable) the user may modify.

        When the user's record rules for writing are those for reading, the usual case, every
        readable contact is writable: no query.
        """
        if not self or not self.check_access_rights("write", raise_exception=False):
            return set()
        rules = self.env["ir.rule"]
        if rules._compute_domain(self._name, "write") == rules._compute_domain(self._name, "read"):
            return set(self.ids)
        return set(self._filter_access_rules("write").ids)

    # --- writing --------------------------------------------------------------------------

    @api.model
    def _mail_plugin_create_contact(self, name, email, company_id=None):
        """The contact the add-on asks for, created as the current user with their rights.

        An existing readable contact with the same address is returned instead of a duplicate
        (the add-on offers "Save" again after a reload). The database's own addresses and
        companies the user cannot see are refused.

        Without ``company_id`` the contact gets the company of its address's domain, found as
        partner/get finds it (``_mail_plugin_find_company``: never for a public mail provider,
        never a company the user cannot read). A ``name`` that is only the address is replaced
        by the name the address spells (tools/contact_names.py).
        """
        normalized = email_normalize(email) if email else False
        if normalized and normalized in self._mail_plugin_notification_emails():
            raise MailPluginError(_("%s is an address of this database, not a contact.", normalized))
        if normalized:
            existing = self._mail_plugin_find_contact(normalized)
            if existing:
                return existing
        values = {"name": contact_name(name, normalized or email), "email": normalized or email}
        if company_id:
            # One answer for a missing company and for one the user may not read.
            company = self.search([("id", "=", company_id)], limit=1)
            if not company:
                raise MailPluginError(_("The company does not exist or you are not allowed to see it."))
        else:
            company = self._mail_plugin_find_company(normalized)
        if company:
            values["parent_id"] = company.id
        return self.create(values)
