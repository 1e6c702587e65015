from odoo import _, api, models

from ..tools.exceptions import MailPluginError
from ..tools.params import MAX_TEXT

MAX_QUERY_ITEMS = 50


class MailPluginSearch(models.AbstractModel):
    """search_records of the newer add-on: one entry point, dispatched by model."""

    _name = "mail.plugin.search"
    _description = "Mail Plugin Record Search"

    @api.model
    def _allowed_models(self):
        """Models the add-on may search and open (described by mail.plugin.app)."""
        return self.env["mail.plugin.app"]._app_models("searchable")

    @api.model
    def _check_model(self, model):
        """Raise MailPluginError unless ``model`` may be searched/opened by the current user."""
        if not isinstance(model, str) or not model:
            raise MailPluginError(_("Missing parameter: %s", "model"))
        if model not in self._allowed_models():
            raise MailPluginError(_("The add-on cannot work with records of “%s”.", model))
        if model not in self.env:
            raise MailPluginError(_("The application of “%s” is not installed on this database.", model))
        if not self.env[model].check_access_rights("read", raise_exception=False):
            raise MailPluginError(_("You are not allowed to see records of “%s”.", model))

    @api.model
    def _clean_query(self, query):
        """A text, or a list of texts (the newer add-on sends the addresses of a thread)."""
        if query is None or query is False:
            return ""
        if isinstance(query, str):
            if len(query) > MAX_TEXT or "\x00" in query:
                raise MailPluginError(_("Invalid parameter query: a text of at most %s characters", MAX_TEXT))
            return query.strip()
        if isinstance(query, list) and all(isinstance(item, str) for item in query):
            return [item.strip() for item in query[:MAX_QUERY_ITEMS] if item and len(item) <= MAX_TEXT]
        raise MailPluginError(_("Invalid parameter query: a text or a list of texts is expected"))

    @api.model
    def _search_records(self, model, query):
        """``[rows, total]``, or ``{"error": message}`` that the add-on shows as is."""
        try:
            self._check_model(model)
            query = self._clean_query(query)
            return self.env["mail.plugin.records"]._search_records(model, query)
        except MailPluginError as error:
            return {"error": error.args[0]}

    @api.model
    def _record_form_url(self, model, record_id):
        """The web client URL of a record's form, for redirect_to_record.

        Raises MailPluginError when the model is not allowed, or the record does not exist or
        is hidden from the user. ``cids`` puts the record's company first when the user has it.
        """
        self._check_model(model)
        record = self.env[model].search([("id", "=", record_id)], limit=1)
        if not record:
            raise MailPluginError(_("This record does not exist or you are not allowed to see it."))
        companies = list(self.env.user._get_company_ids())
        record_company = record.company_id.id if "company_id" in record._fields else False
        if record_company in companies:
            companies = [record_company] + [cid for cid in companies if cid != record_company]
        elif self.env.company.id in companies:
            companies = [self.env.company.id] + [cid for cid in companies if cid != self.env.company.id]
        query = f"id={record.id}&model={model}&view_type=form&cids={','.join(map(str, companies))}"
        return f"/web#{query}"
