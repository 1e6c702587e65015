import ast
from types import MappingProxyType

from odoo import Command, _, api, models, tools
from odoo.addons.base.models.res_lang import intersperse
from odoo.tools import SQL, float_round, html2plaintext
from odoo.tools.misc import NON_BREAKING_SPACE, formatLang

from ..tools.exceptions import MailPluginError


def _frozen(value):
    """``value`` with its dicts and lists made read-only, so that a cached copy is shared safely."""
    if isinstance(value, dict):
        return MappingProxyType({key: _frozen(item) for key, item in value.items()})
    if isinstance(value, list):
        return tuple(_frozen(item) for item in value)
    return value


_NO_APP = MappingProxyType({})


class MailPluginApp(models.AbstractModel):
    """What the add-on knows of each model it shows: the contact, CRM, Project, Helpdesk.

    Every endpoint reads these descriptions (partner/get's sections, search_records, the
    creation routes, log_mail_content, redirect_to_record, the older add-on's links), so a
    module adds a model, or changes what a row shows, with one ``_inherit`` of this model.

    Apps are optional: a description whose model is not in the registry is skipped, so
    installing CRM, Project or Helpdesk later makes it appear without reinstalling this module.
    Every method runs as the add-on's user and relies on that user's access rights.
    """

    _name = "mail.plugin.app"
    _description = "Mail Plugin Apps"

    @api.model
    def _app_descriptions(self):
        """Model -> description, in the order of partner/get's sections. Keys:

        - ``key``: names the model's hooks: ``_<key>_rows(records)``, its rows in answers,
          and ``_prepare_<key>_values(partner, subject, body, **params)``, the values of a
          record created from an email; optionally ``_<key>_card_columns()`` and
          ``_<key>_card_rows(values)``: the columns partner/get's section reads in its single
          query (``{key: SQL}``) and its rows built from them (see
          mail.plugin.records._partner_section_sql);
        - ``app``: the app's name, for "not installed" errors;
        - ``card``: its keys in partner/get, ``list``/``count``/``can_create`` (a section of
          the contact's records), or ``can_create`` alone (a flag without a list);
        - ``card_email_field``: records without a contact also show on the card of the
          contact whose normalized address this field holds;
        - ``card_partner_order_index``: the table has a btree index on ``(partner_id,
          create_date, id)``, from which a contact's newest records are read in order;
        - ``searchable``, ``search_fields`` (matched with ilike, any of them),
          ``search_order``, ``search_all_on_empty`` (an empty search lists records);
        - ``loggable``: an email may be logged on its records;
        - ``company_field``: a record created from an email goes into the company of the
          record this creation value points to (when the user works in it);
        - ``legacy_action``: (xml id the older add-on links to, form view xml id).
        """
        return {
            "res.partner": {
                "key": "contact",
                "app": _("Contacts"),
                "searchable": True,
                "loggable": True,
            },
            "crm.lead": {
                "key": "lead",
                "app": _("CRM"),
                "card": {"list": "leads", "count": "lead_count", "can_create": "can_create_lead"},
                "card_email_field": "email_normalized",
                "card_partner_order_index": True,
                "searchable": True,
                "search_fields": ["name", "email_from", "partner_name", "contact_name"],
                "loggable": True,
                "company_field": "partner_id",
                "legacy_action": ("crm_mail_plugin.crm_lead_action_form_edit", "crm.crm_lead_view_form"),
            },
            "project.task": {
                "key": "task",
                "app": _("Project"),
                "card": {"list": "tasks", "count": "task_count", "can_create": "can_create_task"},
                "searchable": True,
                "search_fields": ["name"],
                "loggable": True,
                "company_field": "project_id",
                "legacy_action": (
                    "project_mail_plugin.project_task_action_form_edit",
                    "project.view_task_form2",
                ),
            },
            "helpdesk.ticket": {
                "key": "ticket",
                "app": _("Helpdesk"),
                "card": {"list": "tickets", "count": "ticket_count", "can_create": "can_create_ticket"},
                "searchable": True,
                "search_fields": ["name"],
                "loggable": True,
                "company_field": "partner_id",
                "legacy_action": (
                    "helpdesk_mail_plugin.helpdesk_ticket_action_form_edit",
                    "helpdesk.helpdesk_ticket_view_form",
                ),
            },
            "project.project": {
                "key": "project",
                "app": _("Project"),
                "card": {"can_create": "can_create_project"},
                "searchable": True,
                "search_fields": ["name"],
                "search_order": None,
                "search_all_on_empty": True,
            },
        }

    # ------------------------------------------------------------------------------------
    # Reading the descriptions
    # ------------------------------------------------------------------------------------
    @api.model
    @tools.ormcache("self.env.context.get('lang')")
    def _apps(self):
        """``_app_descriptions()`` in the user's language, built once per language (every
        request reads it several times; building it translates its labels). Read-only."""
        return _frozen(self._app_descriptions())

    @api.model
    def _app(self, model):
        """The description of ``model`` (empty for a model the add-on does not know)."""
        return self._apps().get(model, _NO_APP)

    @api.model
    def _app_models(self, feature):
        """Models whose description sets ``feature`` (e.g. "searchable", "loggable")."""
        return [model for model, app in self._apps().items() if app.get(feature)]

    @api.model
    def _check_app(self, model):
        """The description of ``model``; a clear error when its app is not installed."""
        app = self._app(model)
        if model not in self.env:
            raise MailPluginError(_("The %s app is not installed on this database.", app.get("app") or model))
        return app

    @api.model
    def _app_hook(self, model, name, *default):
        """The per-app method ``name`` (``{key}`` replaced by the app's key) of ``model``, as
        ``getattr``: ``default`` when given and the app has no such method."""
        return getattr(self, name.format(key=self._app(model)["key"]), *default)

    @api.model
    def _rows(self, records):
        """The add-on's rows of ``records`` (partner/get, searches and creation answers).

        Each ``_<key>_rows`` reads its recordset in batch (prefetch), so a list costs a
        fixed number of queries whatever its length.
        """
        return self._app_hook(records._name, "_{key}_rows")(records)

    @api.model
    def _prepare_values(self, model, partner, subject, body, **params):
        """Values of a ``model`` record created from an email (``body`` already sanitized)."""
        return self._app_hook(model, "_prepare_{key}_values")(partner, subject, body, **params)

    # ------------------------------------------------------------------------------------
    # Helpers of the hooks
    # ------------------------------------------------------------------------------------
    @api.model
    def _readable_names(self, records):
        """{id: display name} of the records the user may read; others stay nameless."""
        return {record.id: record.display_name for record in records._filter_access_rules("read")}

    @api.model
    def _field_readable(self, model, field_name):
        field = self.env[model]._fields.get(field_name)
        return bool(field) and (not field.groups or self.env.user.user_has_groups(field.groups))

    @api.model
    @tools.ormcache("lang_code")
    def _amount_separators(self, lang_code):
        """(grouping, thousands separator, decimal point) of a language, cached: reading them
        from res.lang costs a query on every request (res.lang clears the cache on change)."""
        lang = self.env["res.lang"]._lang_get(lang_code) or self.env["res.lang"]._lang_get("en_US")
        grouping, thousands_sep, decimal_point = lang._data_get(monetary=True)
        return tuple(ast.literal_eval(grouping)), thousands_sep, decimal_point

    @api.model
    def _amount_formatter(self):
        """A function formatting ``(amount, currency)`` as Odoo shows amounts, from cached data
        read once for a whole list: ir.http's table of currencies (cleared when a symbol or
        position changes) and the language's separators. A list of amounts costs no query."""
        currencies = self.env["ir.http"].get_currencies()
        grouping, thousands_sep, decimal_point = self._amount_separators(self.env.lang or "en_US")

        def format_amount(amount, currency):
            currency_id = currency.id if isinstance(currency, models.BaseModel) else currency
            data = currencies.get(currency_id)
            if not data:
                currency = self.env["res.currency"].browse(currency_id)
                return formatLang(self.env, amount or 0.0, monetary=True, currency_obj=currency)
            amount = float(amount or 0.0)  # a Decimal when read by SQL
            digits = data["digits"][1]
            text = f"%.{digits}f" % float_round(amount, precision_digits=digits)
            integer, _sep, decimals = text.partition(".")
            text = intersperse(integer, list(grouping), thousands_sep)[0]
            if decimals:
                text += decimal_point + decimals
            if not data["symbol"]:
                return text
            if data["position"] == "after":
                return f"{text}{NON_BREAKING_SPACE}{data['symbol']}"
            return f"{data['symbol']}{NON_BREAKING_SPACE}{text}"

        return format_amount

    @api.model
    def _translated_name(self, table, record_column, readable):
        """SQL: the translated ``name`` of the ``table`` row ``record_column`` points to, in
        the user's language, when it is among ``readable`` (a Query of the rows the user may
        read), else NULL."""
        return SQL(
            "(SELECT COALESCE(t.name->>%s, t.name->>'en_US') FROM %s t WHERE t.id = %s AND t.id IN (%s))",
            self.env.lang or "en_US",
            SQL.identifier(table),
            record_column,
            readable.subselect(),
        )

    @api.model
    def _record_name(self, subject):
        """The email's subject as a record name (empty when it has none)."""
        return html2plaintext(subject or "").strip()

    # ------------------------------------------------------------------------------------
    # Contact
    # ------------------------------------------------------------------------------------
    @api.model
    def _contact_rows(self, partners):
        return self.env["mail.plugin.partner"]._contact_values(partners, "data_uri")

    @api.model
    def _contact_search(self, query, limit=None):
        """search_records of contacts: a text, or the list of a thread's addresses."""
        return self.env["mail.plugin.partner"]._search_records(query)

    # ------------------------------------------------------------------------------------
    # CRM
    # ------------------------------------------------------------------------------------
    @api.model
    def _lead_rows(self, leads):
        recurring = self.env.user.has_group("crm.group_use_recurring_revenues")
        return self._lead_card_rows(
            [
                {
                    "id": lead.id,
                    "name": lead.name,
                    "expected_revenue": lead.expected_revenue,
                    "probability": lead.probability,
                    "currency_id": lead.company_currency.id,
                    "recurring_revenue": lead.recurring_revenue if recurring else 0.0,
                    "recurring_plan": lead.recurring_plan.name if recurring else "",
                }
                for lead in leads
            ]
        )

    @api.model
    def _lead_card_columns(self):
        columns = {
            "id": SQL('"crm_lead"."id"'),
            "name": SQL('"crm_lead"."name"'),
            "expected_revenue": SQL('"crm_lead"."expected_revenue"'),
            "probability": SQL('"crm_lead"."probability"'),
            # crm.lead's company_currency: the lead's company's, else the current company's.
            "currency_id": SQL(
                """COALESCE(
                    (SELECT c.currency_id FROM res_company c WHERE c.id = "crm_lead"."company_id"),
                    (SELECT c.currency_id FROM res_company c WHERE c.id = %s))""",
                self.env.company.id,
            ),
            "recurring_revenue": SQL("0.0"),
            "recurring_plan": SQL("''"),
        }
        if self.env.user.has_group("crm.group_use_recurring_revenues"):
            access = self.env["mail.plugin.access"].with_context(active_test=False)
            plans = access._search_as_user("crm.recurring.plan", [])
            columns["recurring_revenue"] = SQL('"crm_lead"."recurring_revenue"')
            columns["recurring_plan"] = self._translated_name(
                "crm_recurring_plan", SQL('"crm_lead"."recurring_plan"'), plans
            )
        return columns

    @api.model
    def _lead_card_rows(self, leads):
        """Rows of leads given as dicts of values (read by the ORM or by one query)."""
        recurring = self.env.user.has_group("crm.group_use_recurring_revenues")
        # Translated once for the whole list (each translation looks up the language).
        with_recurring = _("%(revenue)s + %(recurring)s %(plan)s at %(probability)s %%")
        without_recurring = _("%(revenue)s at %(probability)s %%")
        format_amount = self._amount_formatter()
        rows = []
        for lead in leads:
            revenue = format_amount(lead["expected_revenue"], lead["currency_id"])
            probability = round(lead["probability"] or 0.0)
            row = {
                "lead_id": lead["id"],  # older add-on
                "id": lead["id"],
                "name": lead["name"],
                "expected_revenue": revenue,
                "probability": lead["probability"] or 0.0,
            }
            if recurring:
                row["recurring_revenue"] = format_amount(lead["recurring_revenue"], lead["currency_id"])
                row["recurring_plan"] = lead["recurring_plan"] or ""
            if recurring and lead["recurring_revenue"]:
                description = with_recurring % {
                    "revenue": revenue,
                    "recurring": row["recurring_revenue"],
                    "plan": row["recurring_plan"],
                    "probability": probability,
                }
            else:
                description = without_recurring % {"revenue": revenue, "probability": probability}
            row["revenues_description"] = description
            # The 2026 add-on's search card reads this camelCase key for its label.
            row["revenuesDescription"] = description
            rows.append(row)
        return rows

    @api.model
    def _prepare_lead_values(self, partner, subject, body):
        return {
            "name": self._record_name(subject) or _("Opportunity for %s", partner.display_name),
            "type": "opportunity",
            "partner_id": partner.id,
            "description": body,
            "user_id": self.env.uid,
        }

    # ------------------------------------------------------------------------------------
    # Project
    # ------------------------------------------------------------------------------------
    @api.model
    def _task_rows(self, tasks):
        project_names = self._readable_names(tasks.project_id)
        return self._task_card_rows(
            [
                {"id": task.id, "name": task.name, "project_name": project_names.get(task.project_id.id, "")}
                for task in tasks
            ]
        )

    @api.model
    def _task_card_columns(self):
        access = self.env["mail.plugin.access"].with_context(active_test=False)
        projects = access._search_as_user("project.project", [])
        return {
            "id": SQL('"project_task"."id"'),
            "name": SQL('"project_task"."name"'),
            "project_name": self._translated_name(
                "project_project", SQL('"project_task"."project_id"'), projects
            ),
        }

    @api.model
    def _task_card_rows(self, tasks):
        rows = []
        for task in tasks:
            project_name = task["project_name"] or ""
            rows.append(
                {
                    "task_id": task["id"],  # older add-on
                    "id": task["id"],
                    "name": task["name"],
                    "project_name": project_name,
                    "projectName": project_name,  # label of the 2026 add-on's search card
                }
            )
        return rows

    @api.model
    def _prepare_task_values(self, partner, subject, body, project_id):
        # One answer for "missing" and "not yours": a search as the user.
        project = self.env["project.project"].search([("id", "=", project_id)], limit=1)
        if not project:
            raise MailPluginError(_("This project does not exist or you are not allowed to see it."))
        return {
            "name": self._record_name(subject) or _("Task for %s", partner.display_name),
            "project_id": project.id,
            "partner_id": partner.id,
            "description": body,
            "user_ids": [Command.link(self.env.uid)],
        }

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
    # Helpdesk
    # ------------------------------------------------------------------------------------
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
    def _prepare_ticket_values(self, partner, subject, body):
        return {
            "name": self._record_name(subject) or _("Ticket for %s", partner.display_name),
            "partner_id": partner.id,
            "description": body,
            "user_id": self.env.uid,
        }
