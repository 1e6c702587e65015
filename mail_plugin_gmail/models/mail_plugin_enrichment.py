import re

from odoo import _, api, models

from ..tools import email_domains

PROVIDER_PARAM = "mail_plugin_gmail.enrichment_provider"
DEFAULT_PROVIDER = "offline"


class MailPluginEnrichment(models.AbstractModel):
    """Company enrichment for the add-on's "Create a company" and "Enrich Company" buttons.

    What a provider knows about a mail domain comes from ``_company_data(domain)``, which calls
    ``_company_data_<provider>`` for the provider named by the system parameter
    ``mail_plugin_gmail.enrichment_provider``. The built-in ``offline`` provider only uses the
    domain itself and never touches the network. A module plugs an online service in by adding
    ``_company_data_<its name>`` on this model; an administrator then sets the parameter.
    """

    _name = "mail.plugin.enrichment"
    _description = "Mail Plugin Company Enrichment"

    @api.model
    def _provider_name(self):
        return (self.env["ir.config_parameter"].sudo().get_param(PROVIDER_PARAM) or DEFAULT_PROVIDER).strip()

    @api.model
    def _company_data(self, domain):
        """What the configured provider knows about ``domain``.

        Returns ``{"values": {res.partner values}}``, or ``{"enrichment_info": {type, info}}``
        when there is nothing to use (the add-on shows that message).
        """
        provider = self._provider_name()
        method = getattr(self, f"_company_data_{provider}", None)
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,63}", provider) or method is None:
            return {
                "enrichment_info": {
                    "type": "other",
                    "info": _("The company enrichment provider “%s” is not available.", provider),
                }
            }
        return method(domain)

    @api.model
    def _company_data_offline(self, domain):
        """The name guessed from the domain and the domain's website; no network access."""
        return {"values": {"name": email_domains.name_from_domain(domain), "website": f"https://{domain}"}}

    # --- the two add-on actions ----------------------------------------------------------

    @api.model
    def _readable_partner(self, partner_id):
        return self.env["res.partner"].search([("id", "=", partner_id)], limit=1)

    @api.model
    def _enrich_and_create_company(self, partner_id):
        """Give a contact a company: the existing one of its domain, else a new one."""
        Partner = self.env["res.partner"]
        partner = self._readable_partner(partner_id)
        if not partner:
            return {"error": _("This contact does not exist or you are not allowed to see it.")}
        if partner.is_company:
            return {"error": _("This contact is already a company.")}
        if partner.parent_id:
            return {"error": _("This contact already belongs to a company.")}
        domains = email_domains.sender_domains(partner.email_normalized)
        if not domains:
            return {
                "company": {"id": -1},
                "enrichment_info": {
                    "type": "other",
                    "info": _(
                        "No company can be derived from this email address (missing, invalid or "
                        "from a public mail provider)."
                    ),
                },
            }
        if not partner._mail_plugin_writable_ids():
            return {"error": _("You are not allowed to modify this contact.")}
        company = Partner._mail_plugin_find_company(partner.email_normalized)
        info = {"type": "company_updated"}
        if not company:
            if not Partner.check_access_rights("create", raise_exception=False):
                return {"error": _("You are not allowed to create companies.")}
            domain = domains[-1]  # acme.com rather than mail.acme.com
            data = self._company_data(domain)
            if "enrichment_info" in data:
                return {"company": {"id": -1}, "enrichment_info": data["enrichment_info"]}
            values = {k: v for k, v in data["values"].items() if k in Partner._fields}
            values.update(is_company=True, company_id=partner.company_id.id)
            company = Partner.create(values)
            info = {"type": "company_created"}
        partner.parent_id = company
        return {"company": self.env["mail.plugin.partner"]._company_values(company), "enrichment_info": info}

    @api.model
    def _enrich_and_update_company(self, partner_id):
        """Complete a company's empty fields with what the provider knows about its domain."""
        company = self._readable_partner(partner_id)
        if not company:
            return {"error": _("This contact does not exist or you are not allowed to see it.")}
        if not company.is_company:
            return {"error": _("Only a company can be enriched.")}
        if not company._mail_plugin_writable_ids():
            return {"error": _("You are not allowed to modify this company.")}
        domain = company.mail_plugin_email_domain
        if not domain:
            return {"error": _("This company has no email or website domain to enrich it from.")}
        data = self._company_data(domain)
        if "enrichment_info" in data:
            return {
                "company": self.env["mail.plugin.partner"]._company_values(company),
                "enrichment_info": data["enrichment_info"],
            }
        updates = {
            field: value
            for field, value in data["values"].items()
            if field in company._fields and value and not company[field]
        }
        if not updates:
            return {
                "company": self.env["mail.plugin.partner"]._company_values(company),
                "enrichment_info": {"type": "no_data"},
            }
        company.write(updates)
        return {
            "company": self.env["mail.plugin.partner"]._company_values(company),
            "enrichment_info": {"type": "company_updated"},
        }
