import datetime

from markupsafe import Markup

from odoo import Command, _, api, models
from odoo.exceptions import AccessError
from odoo.osv import expression
from odoo.tools import html2plaintext, html_sanitize
from odoo.tools.misc import format_datetime, formatLang

from ..tools.exceptions import MailPluginError

# Rows shown per section in partner/get: the add-on displays five and a "Show all" link.
PARTNER_LIST_LIMIT = 5
SEARCH_LIMIT = 30
MAX_SEARCH_LIMIT = 200
DEFAULT_MAX_ATTACHMENT_MB = 25
MAX_ATTACHMENT_PARAM = "mail_plugin_gmail.max_attachment_mb"

# Links the older add-on opens after a creation; they name actions of Odoo's own connector
# modules, which this module replaces. See _legacy_addon_action.
LEGACY_FORM_ACTIONS = {
    "crm_mail_plugin.crm_lead_action_form_edit": ("crm.lead", "crm.crm_lead_view_form"),
    "project_mail_plugin.project_task_action_form_edit": ("project.task", "project.view_task_form2"),
    "helpdesk_mail_plugin.helpdesk_ticket_action_form_edit": (
        "helpdesk.ticket",
        "helpdesk.helpdesk_ticket_view_form",
    ),
}


class MailPluginRecords(models.AbstractModel):
    """The apps' records (leads, tasks, tickets, projects) as the add-on sees them.

    Apps are optional: each part checks that its model is in the registry, so installing CRM,
    Project or Helpdesk later makes it appear without reinstalling this module.

    Every method runs as the add-on's user and relies on that user's access rights.
    """

    _name = "mail.plugin.records"
    _description = "Mail Plugin Records"

    # ------------------------------------------------------------------------------------
    # Apps and models
    # ------------------------------------------------------------------------------------
    @api.model
    def _app_names(self):
        """Model -> name of the app that brings it (for "not installed" errors)."""
        return {
            "crm.lead": _("CRM"),
            "project.project": _("Project"),
            "project.task": _("Project"),
            "helpdesk.ticket": _("Helpdesk"),
        }

    @api.model
    def _check_app(self, model):
        if model not in self.env:
            app = self._app_names().get(model, model)
            raise MailPluginError(_("The %s app is not installed on this database.", app))

    @api.model
    def _partner_sections(self):
        """(list key, count key, can-create key, model) of each record section of partner/get."""
        return [
            ("leads", "lead_count", "can_create_lead", "crm.lead"),
            ("tasks", "task_count", "can_create_task", "project.task"),
            ("tickets", "ticket_count", "can_create_ticket", "helpdesk.ticket"),
        ]

    @api.model
    def _searchable_models(self):
        return ["crm.lead", "project.project", "project.task", "helpdesk.ticket"]

    @api.model
    def _loggable_models(self):
        """Models an email may be logged on; extend to allow more."""
        return ["res.partner", "crm.lead", "project.task", "helpdesk.ticket"]

    # ------------------------------------------------------------------------------------
    # Row shapes: one builder per model, used by partner/get, search and create answers.
    # Each takes a recordset and reads it in batch (prefetch), so a list costs a fixed
    # number of queries whatever its length.
    # ------------------------------------------------------------------------------------
    @api.model
    def _record_rows(self, records):
        builders = {
            "crm.lead": self._lead_rows,
            "project.project": self._project_rows,
            "project.task": self._task_rows,
            "helpdesk.ticket": self._ticket_rows,
        }
        return builders[records._name](records)

    @api.model
    def _readable_names(self, records):
        """{id: display name} of the records the user may read; others stay nameless."""
        return {record.id: record.display_name for record in records._filter_access_rules("read")}

    @api.model
    def _field_readable(self, model, field_name):
        field = self.env[model]._fields.get(field_name)
        return bool(field) and (not field.groups or self.env.user.user_has_groups(field.groups))

    @api.model
    def _format_amount(self, amount, currency):
        return formatLang(self.env, amount or 0.0, monetary=True, currency_obj=currency)

    @api.model
    def _lead_rows(self, leads):
        recurring = self.env.user.has_group("crm.group_use_recurring_revenues")
        rows = []
        for lead in leads:
            revenue = self._format_amount(lead.expected_revenue, lead.company_currency)
            probability = round(lead.probability or 0.0)
            row = {
                "lead_id": lead.id,  # older add-on
                "id": lead.id,
                "name": lead.name,
                "expected_revenue": revenue,
                "probability": lead.probability,
            }
            if recurring:
                row["recurring_revenue"] = self._format_amount(lead.recurring_revenue, lead.company_currency)
                row["recurring_plan"] = lead.recurring_plan.name or ""
            if recurring and lead.recurring_revenue:
                description = _(
                    "%(revenue)s + %(recurring)s %(plan)s at %(probability)s %%",
                    revenue=revenue,
                    recurring=row["recurring_revenue"],
                    plan=row["recurring_plan"],
                    probability=probability,
                )
            else:
                description = _("%(revenue)s at %(probability)s %%", revenue=revenue, probability=probability)
            row["revenues_description"] = description
            # The 2026 add-on's search card reads this camelCase key for its label.
            row["revenuesDescription"] = description
            rows.append(row)
        return rows

    @api.model
    def _task_rows(self, tasks):
        project_names = self._readable_names(tasks.project_id)
        rows = []
        for task in tasks:
            project_name = project_names.get(task.project_id.id, "")
            rows.append(
                {
                    "task_id": task.id,  # older add-on
                    "id": task.id,
                    "name": task.name,
                    "project_name": project_name,
                    "projectName": project_name,  # label of the 2026 add-on's search card
                }
            )
        return rows

    @api.model
    def _ticket_rows(self, tickets):
        stage_names = self._readable_names(tickets.stage_id)
        return [
            {
                "ticket_id": ticket.id,  # older add-on
                "id": ticket.id,
                "name": ticket.name,
                "stage_name": stage_names.get(ticket.stage_id.id, ""),
            }
            for ticket in tickets
        ]

    @api.model
    def _project_rows(self, projects):
        partner_names = self._readable_names(projects.partner_id)
        company_names = self._readable_names(projects.company_id)
        # Project stages are a feature behind a group; the field is unreadable without it.
        with_stage = self._field_readable("project.project", "stage_id")
        stage_names = self._readable_names(projects.stage_id) if with_stage else {}
        return [
            {
                "project_id": project.id,  # older add-on
                "id": project.id,
                "name": project.name,
                "partner_name": partner_names.get(project.partner_id.id, ""),
                "company_id": project.company_id.id,
                "company_name": company_names.get(project.company_id.id, ""),
                "stage_name": stage_names.get(project.stage_id.id, "") if with_stage else "",
            }
            for project in projects
        ]

    # ------------------------------------------------------------------------------------
    # partner/get
    # ------------------------------------------------------------------------------------
    @api.model
    def _partner_records_domain(self, model, partner, family):
        """Records shown on a contact's card.

        ``family`` is the contact and its child contacts, so that a company card lists its
        people's records too. Leads also match on the normalized email when they have no
        contact yet: a lead created from a web form or an incoming email usually has only
        the address.
        """
        domain = [("partner_id", "in", family.ids)]
        if model == "crm.lead" and partner.email_normalized:
            domain = expression.OR(
                [
                    domain,
                    [("partner_id", "=", False), ("email_normalized", "=", partner.email_normalized)],
                ]
            )
        return domain

    @api.model
    def _partner_records_data(self, partner):
        """Keys merged into the answer of partner/get for ``partner`` (a res.partner, maybe
        empty for an unknown sender): leads/tasks/tickets lists, their counts, can-create flags.

        A section is present when its app is installed and the user may read or create its
        records; it is ``[]`` for an unknown sender so that the add-on offers "Create".
        """
        data = {}
        # The contact and its direct child contacts (a company's people), resolved once here
        # rather than by a "child_of" (two queries) in each search below.
        family = partner | partner.child_ids if partner else partner
        for list_key, count_key, create_key, model in self._partner_sections():
            if model not in self.env:
                continue
            records = self.env[model]
            can_read = records.check_access_rights("read", raise_exception=False)
            can_create = records.check_access_rights("create", raise_exception=False)
            if not (can_read or can_create):
                continue
            rows, count = [], 0
            if partner and can_read:
                domain = self._partner_records_domain(model, partner, family)
                found = records.search(domain, limit=PARTNER_LIST_LIMIT, order="create_date desc, id desc")
                count = len(found)
                if count == PARTNER_LIST_LIMIT:
                    count = records.search_count(domain)
                rows = self._record_rows(found)
            data.update({list_key: rows, count_key: count, create_key: can_create})
        if "project.project" in self.env:
            data["can_create_project"] = self.env["project.project"].check_access_rights(
                "create", raise_exception=False
            )
        return data

    # ------------------------------------------------------------------------------------
    # search_records / project/search
    # ------------------------------------------------------------------------------------
    @api.model
    def _search_term_domain(self, model, term):
        domain = [("name", "ilike", term)]
        if model == "crm.lead":
            domain = expression.OR(
                [
                    domain,
                    [("email_from", "ilike", term)],
                    [("partner_name", "ilike", term)],
                    [("contact_name", "ilike", term)],
                ]
            )
        return domain

    @api.model
    def _search_records(self, model, query, limit=None):
        """``[rows, total]`` for search_records on a model other than res.partner.

        ``query`` is a text or a list of texts (any of them may match). An empty query lists
        projects (the add-on shows them to choose where a task goes) and nothing otherwise.
        """
        if model not in self._searchable_models():
            raise MailPluginError(_("Records of type %s cannot be searched from the add-on.", model))
        self._check_app(model)
        records = self.env[model]
        if not records.check_access_rights("read", raise_exception=False):
            raise MailPluginError(_("You are not allowed to read these records."))
        if isinstance(query, str) or query is None or query is False:
            terms = [query or ""]
        elif isinstance(query, list) and all(isinstance(term, str) for term in query):
            terms = query
        else:
            raise MailPluginError(_("Invalid parameter query: a text or a list of texts is expected"))
        terms = [term.strip() for term in terms if term and term.strip()]
        if not terms and model != "project.project":
            return [[], 0]
        domain = expression.OR([self._search_term_domain(model, term) for term in terms]) if terms else []
        if not isinstance(limit, int) or isinstance(limit, bool) or not 0 < limit <= MAX_SEARCH_LIMIT:
            limit = SEARCH_LIMIT
        order = None if model == "project.project" else "create_date desc, id desc"
        found = records.search(domain, limit=limit, order=order)
        total = len(found) if len(found) < limit else records.search_count(domain)
        return [self._record_rows(found), total]

    # ------------------------------------------------------------------------------------
    # Attachments and bodies
    # ------------------------------------------------------------------------------------
    @api.model
    def _max_attachment_bytes(self):
        # sudo: system parameters are readable by administrators only; this reads one
        # number set in the settings.
        value = self.env["ir.config_parameter"].sudo().get_param(MAX_ATTACHMENT_PARAM)
        try:
            megabytes = float(value)
        except (TypeError, ValueError):
            megabytes = DEFAULT_MAX_ATTACHMENT_MB
        if megabytes <= 0:
            megabytes = DEFAULT_MAX_ATTACHMENT_MB
        return int(megabytes * 1024 * 1024)

    @api.model
    def _sanitize_email_html(self, html):
        """The email's HTML cleaned with the options of the chatter's message body."""
        return html_sanitize(html or "", sanitize_style=True)

    @api.model
    def _attach(self, record, attachments):
        if attachments:
            self.env["ir.attachment"].create(
                [
                    {"name": name, "raw": content, "res_model": record._name, "res_id": record.id}
                    for name, content in attachments
                ]
            )

    # ------------------------------------------------------------------------------------
    # log_mail_content
    # ------------------------------------------------------------------------------------
    @api.model
    def _log_target(self, model, res_id):
        """The record to log on, if the user may modify it; a clear error otherwise."""
        if model not in self._loggable_models():
            raise MailPluginError(_("Emails cannot be logged on records of type %s.", model))
        self._check_app(model)
        record = self.env[model].browse(res_id).exists()
        if not record:
            raise MailPluginError(_("The record to log the email on does not exist (any more)."))
        try:
            record.check_access_rights("write")
            record.check_access_rule("write")
        except AccessError as exc:
            raise MailPluginError(
                _("You are not allowed to modify this record, so the email cannot be logged on it.")
            ) from exc
        return record

    @api.model
    def _logged_email_html(self, body, email):
        """The newer add-on sends the bare body and the headers: show them around it."""
        lines = [
            (_("From"), email.get("email_from")),
            (_("To"), email.get("email_to")),
            (_("Cc"), email.get("email_cc")),
            (_("Date"), email.get("date") and format_datetime(self.env, email["date"])),
            (_("Subject"), email.get("subject")),
        ]
        header = Markup("<br/>").join(
            Markup("<b>%s:</b> %s") % (label, value) for label, value in lines if value
        )
        footer = _(
            "Logged from %(application)s by %(user)s",
            application=email.get("application_name") or _("the mail plugin"),
            user=self.env.user.name,
        )
        return Markup(
            '<div class="o_mail_plugin_email_header">%s</div><br/>%s<br/>'
            '<p class="text-muted"><small>%s</small></p>'
        ) % (header, body, footer)

    @api.model
    def _log_email(self, model, res_id, body, attachments=(), email=None):
        """Post the email as a note on the record.

        ``email`` holds the headers sent by the newer add-on (email_from, email_to, email_cc,
        subject, date as a naive UTC datetime, application_name); the older one sends a
        body already wrapped with the sender, so ``email`` is None.
        """
        record = self._log_target(model, res_id)
        html = self._sanitize_email_html(body)
        if email is not None:
            html = self._logged_email_html(html, email)
        return record.message_post(
            body=Markup(html),
            subject=(email or {}).get("subject") or None,
            message_type="comment",
            subtype_xmlid="mail.mt_note",
            attachments=list(attachments),
        )

    @api.model
    def _date_from_timestamp(self, timestamp_ms):
        return datetime.datetime.utcfromtimestamp(timestamp_ms / 1000)

    # ------------------------------------------------------------------------------------
    # Creations
    # ------------------------------------------------------------------------------------
    @api.model
    def _record_contact(self, partner_id, email="", name=""):
        """The contact a new record is linked to: the given one, else the one with that
        email, else a new contact (the newer add-on creates records for unknown senders)."""
        partners = self.env["res.partner"]
        if partner_id:
            partner = partners.browse(partner_id).exists()
            if not partner:
                raise MailPluginError(_("The contact does not exist (any more)."))
            try:
                partner.check_access_rule("read")
            except AccessError as exc:
                raise MailPluginError(_("You are not allowed to see this contact.")) from exc
            return partner
        if not email:
            raise MailPluginError(_("Missing parameter: partner_id or partner_email"))
        partner = partners.search([("email_normalized", "=", email)], limit=1)
        return partner or partners._mail_plugin_create_contact(name, email)

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
    def _create_lead(self, partner, subject, body, attachments=()):
        self._check_app("crm.lead")
        leads = self._in_company(self.env["crm.lead"], partner.company_id)
        lead = leads.create(
            {
                "name": html2plaintext(subject or "").strip()
                or _("Opportunity for %s", partner.display_name),
                "type": "opportunity",
                "partner_id": partner.id,
                "description": self._sanitize_email_html(body),
                "user_id": self.env.uid,
            }
        )
        self._attach(lead, attachments)
        return lead

    @api.model
    def _create_project(self, name):
        self._check_app("project.project")
        return self.env["project.project"].create({"name": name})

    @api.model
    def _create_task(self, project_id, partner, subject, body, attachments=()):
        self._check_app("project.task")
        project = self.env["project.project"].browse(project_id).exists()
        if not project:
            raise MailPluginError(_("The project does not exist (any more)."))
        try:
            project.check_access_rule("read")
        except AccessError as exc:
            raise MailPluginError(_("You are not allowed to see this project.")) from exc
        tasks = self._in_company(self.env["project.task"], project.company_id)
        task = tasks.create(
            {
                "name": html2plaintext(subject or "").strip() or _("Task for %s", partner.display_name),
                "project_id": project.id,
                "partner_id": partner.id,
                "description": self._sanitize_email_html(body),
                "user_ids": [Command.link(self.env.uid)],
            }
        )
        self._attach(task, attachments)
        return task

    @api.model
    def _create_ticket(self, partner, subject, body, attachments=()):
        self._check_app("helpdesk.ticket")
        tickets = self._in_company(self.env["helpdesk.ticket"], partner.company_id)
        ticket = tickets.create(
            {
                "name": html2plaintext(subject or "").strip() or _("Ticket for %s", partner.display_name),
                "partner_id": partner.id,
                "description": self._sanitize_email_html(body),
                "user_id": self.env.uid,
            }
        )
        self._attach(ticket, attachments)
        return ticket

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
        model, view_xmlid = LEGACY_FORM_ACTIONS.get(xmlid, (None, None))
        if not model or model not in self.env:
            return None
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
