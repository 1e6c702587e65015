from odoo import http
from odoo.http import request

from ..tools.exceptions import MailPluginError
from ..tools.params import SEARCH_LIMIT, as_email, as_id, as_optional_id, as_text
from .common import json_route


class MailPluginPartnerController(http.Controller):
    """Contacts and companies: lookup by sender, search, creation, enrichment."""

    @json_route("/mail_plugin/partner/get")
    def partner_get(self, **params):
        """The sender's contact card.

        The older add-on always sends ``name`` and prefixes images with ``data:`` itself; the
        newer one sends no ``name`` and uses ``image`` as a URL: the image format follows.
        """
        partner_id = as_id(params.get("partner_id"), "partner_id", required=False)
        try:
            email = as_email(params.get("email"), "email", required=not partner_id)
        except MailPluginError:
            if not partner_id:
                raise
            email = ""  # a refresh by id: the address the card holds may be unusable
        # The newer add-ons send no name and lay our partner over the email's own name and
        # address: an unknown sender's card then keeps the name of the email's header.
        name = as_text(params.get("name"), "name", required=False) if "name" in params else None
        image_format = "base64" if "name" in params else "data_uri"
        return request.env["mail.plugin.partner"]._contact_answer(
            email_normalized=email, name=name, partner_id=partner_id, image_format=image_format
        )

    @json_route("/mail_plugin/partner/search")
    def partner_search(self, search_term=None, limit=None, **kwargs):
        term = as_text(search_term, "search_term", required=False)
        limit = min(as_id(limit, "limit", required=False) or SEARCH_LIMIT, 100)
        partners = request.env["res.partner"]._mail_plugin_search(term, limit)
        return {"partners": request.env["mail.plugin.partner"]._contact_values(partners, "base64")}

    @json_route("/mail_plugin/partner/create")
    def partner_create(self, email=None, name=None, company=None, **kwargs):
        """A contact for the sender. Without ``company`` (absent, null, false or -1: the newer
        add-ons never send one) it gets the company of its address's domain."""
        email = as_email(email, "email")
        name = as_text(name, "name", required=False)
        company_id = as_optional_id(company, "company")
        partner = request.env["res.partner"]._mail_plugin_create_contact(name, email, company_id)
        return request.env["mail.plugin.partner"]._contact_values(partner, "data_uri")[0]

    @json_route("/mail_plugin/partner/enrich_and_create_company")
    def enrich_and_create_company(self, partner_id=None, **kwargs):
        partner_id = as_id(partner_id, "partner_id")
        return request.env["mail.plugin.enrichment"]._enrich_and_create_company(partner_id)

    @json_route("/mail_plugin/partner/enrich_and_update_company")
    def enrich_and_update_company(self, partner_id=None, **kwargs):
        partner_id = as_id(partner_id, "partner_id")
        return request.env["mail.plugin.enrichment"]._enrich_and_update_company(partner_id)
