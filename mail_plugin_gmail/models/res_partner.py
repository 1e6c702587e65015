import base64

from odoo import _, api, fields, models, tools
from odoo.tools import email_normalize, sql
from odoo.tools.mimetypes import guess_mimetype

from ..tools import email_domains
from ..tools.exceptions import MailPluginError
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
SEARCH_LIMIT = 30
MAX_EMAILS_PER_SEARCH = 50


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
        return self.search_fetch(
            [("email_normalized", "=", email_normalized)], CONTACT_FIELDS, order="is_company, id", limit=1
        )

    @api.model
    def _mail_plugin_find_company(self, email_normalized):
        """The company the sender's domain belongs to, or an empty recordset.

        Public mail providers name no company. ``jane@eu.acme.com`` finds a company of
        ``eu.acme.com``, else of ``acme.com``. Uses the indexed domain column only.
        """
        domains = email_domains.sender_domains(email_normalized)
        if not domains:
            return self.browse()
        companies = self.search_fetch(
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
        """Contacts matching a typed text: exact address first, then name, email or reference."""
        term = (search_term or "").strip()
        if not term:
            return self.browse()
        normalized = email_normalize(term)
        exact = self._mail_plugin_search_emails([normalized], limit) if normalized else self.browse()
        if len(exact) >= limit:
            return exact
        domain = ["|", "|", ("complete_name", "ilike", term), ("email", "ilike", term), ("ref", "=", term)]
        if exact:
            domain = [("id", "not in", exact.ids), *domain]
        return exact | self.search_fetch(domain, CONTACT_FIELDS, limit=limit - len(exact))

    @api.model
    def _mail_plugin_search_emails(self, emails, limit=SEARCH_LIMIT):
        """Contacts having one of these (normalized) addresses."""
        emails = [email for email in emails if email]
        if not emails:
            return self.browse()
        return self.search_fetch([("email_normalized", "in", emails)], CONTACT_FIELDS, limit=limit)

    @api.model
    def _mail_plugin_search_records(self, query, limit=SEARCH_LIMIT):
        """``[rows, total]`` for the newer add-on: ``query`` is a text or a list of addresses."""
        if isinstance(query, list):
            normalized = [email_normalize(item) for item in query[:MAX_EMAILS_PER_SEARCH]]
            partners = self._mail_plugin_search_emails(normalized, limit)
        else:
            partners = self._mail_plugin_search(query, limit)
        total = len(partners)
        if total >= limit and not isinstance(query, list):
            term = query.strip()
            total = self.search_count(
                ["|", "|", ("complete_name", "ilike", term), ("email", "ilike", term), ("ref", "=", term)]
            )
        return [partners._mail_plugin_contact_values("data_uri"), total]

    # --- JSON shapes ----------------------------------------------------------------------

    def _mail_plugin_images(self, image_format):
        """{id: image}: ``base64`` is the raw base64 text (the older add-on adds the data: prefix
        itself), ``data_uri`` a ready-to-use URL (the newer add-on). False when there is none."""
        # sudo: only records the user may read get here (found by searches as the user); it
        # spares fetch() a Python check of the access rules that would load every column.
        self.sudo().fetch(["image_128"])
        images = {}
        for partner in self:
            raw = partner.image_128
            if not raw:
                images[partner.id] = False
                continue
            text = raw.decode() if isinstance(raw, bytes) else raw
            if image_format == "data_uri":
                mimetype = guess_mimetype(base64.b64decode(text), default="image/png")
                text = f"data:{mimetype};base64,{text}"
            images[partner.id] = text
        return images

    def _mail_plugin_writable_ids(self):
        if not self or not self.check_access_rights("write", raise_exception=False):
            return set()
        return set(self._filter_access_rules("write").ids)

    def _mail_plugin_contact_values(self, image_format="base64"):
        """The add-on's partner dict, one per record (partner/get, partner/search, searches)."""
        writable = self._mail_plugin_writable_ids()
        images = self._mail_plugin_images(image_format)
        return [
            {
                "id": partner.id,
                "name": partner.name or partner.email_normalized or partner.email or "",
                "email": partner.email_normalized or partner.email or "",
                "phone": partner.phone or "",
                "mobile": partner.mobile or "",
                "is_company": partner.is_company,
                "parent_name": partner.parent_name or "",
                "image": images[partner.id],
                "can_write_on_partner": partner.id in writable,
                "enrichment_info": None,
            }
            for partner in self
        ]

    def _mail_plugin_company_values(self, image_format="base64", readable=None):
        """The add-on's company dict for one company (or ``{"id": -1}`` for none).

        ``readable``: the caller already knows whether the user may read it (found by a search
        as the user), which spares the access check.
        """
        company = self[:1]
        if not company:
            return {"id": -1}
        if readable is None:
            readable = company.check_access_rights("read", raise_exception=False) and bool(
                company._filter_access_rules("read")
            )
        if not readable:
            return {"id": company.id, "name": _("No Access")}
        return {
            "id": company.id,
            "name": company.name or "",
            "email": company.email_normalized or company.email or "",
            "phone": company.phone or "",
            "mobile": company.mobile or "",
            "website": company.website or "",
            "image": company._mail_plugin_images(image_format)[company.id],
            "address": {
                "street": company.street or "",
                "zip": company.zip or "",
                "city": company.city or "",
                "country": company.country_id.name or "",
            },
            "additionalInfo": {},
        }

    @api.model
    def _mail_plugin_contact_answer(
        self, email_normalized="", name="", partner_id=None, image_format="base64"
    ):
        """The whole answer of partner/get.

        By ``partner_id`` when given and readable, else by exact normalized address. A sender
        the user cannot see is answered as unknown: ``id: -1`` with the company of their
        domain when there is one.
        """
        partner = self.browse()
        if partner_id:
            partner = self.search_fetch([("id", "=", partner_id)], CONTACT_FIELDS, limit=1)
            if not partner and not email_normalized:
                raise MailPluginError(_("This contact does not exist or you are not allowed to see it."))
        if not partner:
            if email_normalized in self._mail_plugin_notification_emails():
                return self._mail_plugin_notification_answer(email_normalized)
            partner = self._mail_plugin_find_contact(email_normalized)

        if partner:
            if partner.is_company:
                company = readable_company = partner
            else:
                company = partner.parent_id
                readable_company = company and self.search_fetch([("id", "=", company.id)], COMPANY_FIELDS)
            (partner | readable_company)._mail_plugin_images(image_format)  # both in one query
            values = partner._mail_plugin_contact_values(image_format)[0]
            values["company"] = company._mail_plugin_company_values(image_format, bool(readable_company))
        else:
            company = self._mail_plugin_find_company(email_normalized)
            values = {
                "id": -1,
                "name": name or email_normalized,
                "email": email_normalized,
                "image": False,
                "is_company": False,
                "enrichment_info": None,
                "company": company._mail_plugin_company_values(image_format, readable=True),
            }
        answer = {
            "partner": values,
            "user_companies": list(self.env.user._get_company_ids()),
            "can_create_partner": self.check_access_rights("create", raise_exception=False),
        }
        answer.update(self.env["mail.plugin.records"]._partner_records_data(partner))
        return answer

    @api.model
    def _mail_plugin_notification_answer(self, email_normalized):
        """The database's own address: a note instead of a contact (no card to create)."""
        info = {
            "type": "odoo_custom_error",
            "info": _(
                "This is an address of this Odoo database (notifications, replies or bounces), "
                "not a contact. Search the contact to link this email to a record."
            ),
        }
        return {
            "partner": {
                "id": -1,
                "name": _("Odoo notification address"),
                "email": email_normalized,
                "image": False,
                "is_company": False,
                "can_write_on_partner": False,
                "enrichment_info": info,
                "company": {"id": -1},
            },
            "enrichment_info": info,
            "user_companies": list(self.env.user._get_company_ids()),
            "can_create_partner": False,
        }

    # --- writing --------------------------------------------------------------------------

    @api.model
    def _mail_plugin_create_contact(self, name, email, company_id=None):
        """The contact the add-on asks for, created as the current user with their rights.

        An existing readable contact with the same address is returned instead of a duplicate
        (the add-on offers "Save" again after a reload). The database's own addresses and
        companies the user cannot see are refused.
        """
        normalized = email_normalize(email) if email else False
        if normalized and normalized in self._mail_plugin_notification_emails():
            raise MailPluginError(_("%s is an address of this database, not a contact.", normalized))
        if normalized:
            existing = self._mail_plugin_find_contact(normalized)
            if existing:
                return existing
        values = {"name": name or normalized or email, "email": normalized or email}
        if company_id:
            company = self.search([("id", "=", company_id)], limit=1)
            if not company:
                raise MailPluginError(_("The company does not exist or you are not allowed to see it."))
            values["parent_id"] = company.id
        return self.create(values)
