import base64
import functools

from odoo import _, api, models, tools
from odoo.tools import SQL, email_normalize
from odoo.tools.mimetypes import guess_mimetype
from odoo.tools.query import Query

from ..tools.exceptions import MailPluginError
from ..tools.params import SEARCH_LIMIT

MAX_EMAILS_PER_SEARCH = 50


class MailPluginPartner(models.AbstractModel):
    """Contacts and companies as the add-on reads them: the answer of partner/get and the
    partner dicts of searches and creations. Lookups themselves are on res.partner."""

    _name = "mail.plugin.partner"
    _description = "Mail Plugin Contacts"

    @api.model
    def _images(self, partners, image_format):
        """{id: image}: ``base64`` is the raw base64 text (the older add-on adds the data: prefix
        itself), ``data_uri`` a ready-to-use URL (the newer add-on). False when there is none."""
        # image_128 lives in an attachment: the ORM would search the attachments, then read
        # them (two queries); one query of the columns ``datas`` needs does both, and its
        # result goes into the cache as the ORM's would.
        field = partners._fields["image_128"]
        missing = partners.browse(list(self.env.cache.get_missing_ids(partners, field)))
        if missing:
            # sudo: only records the user may read get here (found by searches as the user),
            # and only their own image is read. The conditions are those of ir.attachment's
            # own search of a binary field's attachments, written directly: its search would
            # parse them into the same SQL on every request.
            attachments = self.env["ir.attachment"].sudo()
            query = Query(self.env.cr, attachments._table, attachments._table_query)
            column = functools.partial(SQL.identifier, attachments._table)
            query.add_where(
                SQL(
                    "%s = %s AND %s = %s AND %s IN %s",
                    column("res_model"),
                    partners._name,
                    column("res_field"),
                    field.name,
                    column("res_id"),
                    tuple(missing.ids),
                )
            )
            attachments = attachments._fetch_query(
                query,
                attachments._determine_fields_to_fetch(
                    ["res_id", "store_fname", "db_datas", "file_size", "mimetype"]
                ),
            )
            data = {attachment.res_id: attachment.datas for attachment in attachments}
            self.env.cache.insert_missing(missing, field, [data.get(pid) for pid in missing._ids])
        images = {}
        for partner in partners:
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

    @api.model
    def _contact_values(self, partners, image_format="base64"):
        """The add-on's partner dict, one per record (partner/get, partner/search, searches)."""
        writable = partners._mail_plugin_writable_ids()
        images = self._images(partners, image_format)
        # The companies' names only (parent_name would read every column of the companies);
        # no query when the lookup has read them already. sudo: as the ORM reads parent_name,
        # a related field (computed as superuser); nothing but the names is read.
        partners.parent_id.sudo().fetch(["name"])
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
            for partner in partners
        ]

    @api.model
    @tools.ormcache("country_id", "self.env.context.get('lang')")
    def _country_name(self, country_id):
        """A country's name in the user's language, cached: every company card shows one, and
        reading it would cost a query each time (res.country clears the cache on change)."""
        return self.env["res.country"].browse(country_id).name or ""

    @api.model
    def _company_values(self, company, image_format="base64", readable=None):
        """The add-on's company dict for one company (or ``{"id": -1}`` for none).

        ``readable``: the caller already knows whether the user may read it (found by a search
        as the user), which spares the access check.
        """
        company = company[:1]
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
            "image": self._images(company, image_format)[company.id],
            "address": {
                "street": company.street or "",
                "zip": company.zip or "",
                "city": company.city or "",
                "country": self._country_name(company.country_id.id) if company.country_id else "",
            },
            "additionalInfo": {},
        }

    @api.model
    def _search_records(self, query, limit=SEARCH_LIMIT):
        """``[rows, total]`` for the newer add-on: ``query`` is a text or a list of addresses."""
        partners = self.env["res.partner"]
        if isinstance(query, list):
            normalized = [email_normalize(item) for item in query[:MAX_EMAILS_PER_SEARCH]]
            found = partners._mail_plugin_search_emails(normalized, limit)
        else:
            found = partners._mail_plugin_search(query, limit)
        total = len(found)
        if total >= limit and not isinstance(query, list):
            total = partners._mail_plugin_search_count(query)
        return [self._contact_values(found, "data_uri"), total]

    # --- partner/get ----------------------------------------------------------------------

    @api.model
    def _contact_answer(self, email_normalized="", name=None, partner_id=None, image_format="base64"):
        """The whole answer of partner/get.

        By ``partner_id`` when given and readable, else by exact normalized address. A sender
        the user cannot see is answered as unknown: ``id: -1`` with the company of their
        domain when there is one (the one partner/create would link), and a ``name`` only when
        the request gave one (``name`` None: the newer add-ons lay our keys over the email's
        own name, which a name of ours would replace).
        """
        partners = self.env["res.partner"]
        partner = readable_company = partners.browse()
        if partner_id:
            partner, readable_company = partners._mail_plugin_find_contact_and_company(partner_id=partner_id)
            if not partner and not email_normalized:
                raise MailPluginError(_("This contact does not exist or you are not allowed to see it."))
        if not partner:
            if email_normalized in partners._mail_plugin_notification_emails():
                return self._notification_answer(email_normalized)
            partner, readable_company = partners._mail_plugin_find_contact_and_company(email_normalized)

        if partner:
            company = partner if partner.is_company else partner.parent_id
            self._images(partner | readable_company, image_format)  # both in one query
            values = self._contact_values(partner, image_format)[0]
            values["company"] = self._company_values(company, image_format, bool(readable_company))
        else:
            company = partners._mail_plugin_find_company(email_normalized)
            values = {
                "id": -1,
                "email": email_normalized,
                "image": False,
                "is_company": False,
                "parent_name": company.name or "",
                "enrichment_info": None,
                "company": self._company_values(company, image_format, readable=True),
            }
            if name is not None:
                values["name"] = name or email_normalized
        answer = {
            "partner": values,
            "user_companies": list(self.env.user._get_company_ids()),
            "can_create_partner": partners.check_access_rights("create", raise_exception=False),
        }
        answer.update(self.env["mail.plugin.records"]._partner_records_data(partner))
        return answer

    @api.model
    def _notification_answer(self, email_normalized):
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
