from odoo import _, http
from odoo.http import request

from ..tools.exceptions import MailPluginError
from ..tools.params import MAX_HTML, as_attachments, as_email, as_id, as_optional_id, as_text, is_absent
from .common import json_route, message_page

MAX_HEADER = 64 * 1024


def records_model():
    return request.env["mail.plugin.records"]


def apps_model():
    return request.env["mail.plugin.app"]


def mail_model():
    return request.env["mail.plugin.email"]


def attachments_param(value):
    mails = mail_model()
    return as_attachments(
        value, max_bytes=mails._max_attachment_bytes(), max_count=mails._max_attachment_count()
    )


def email_params(kwargs):
    """Subject and body of the email a record is created from (both add-on generations)."""
    subject = as_text(kwargs.get("email_subject"), "email_subject", required=False)
    body = as_text(kwargs.get("email_body"), "email_body", required=False, max_length=MAX_HTML)
    return subject, body


def record_contact(kwargs):
    """The contact of a new record: ``partner_id``, or (newer add-on, unknown sender)
    ``partner_email``/``partner_name`` to find or create it."""
    return records_model()._record_contact(
        as_optional_id(kwargs.get("partner_id"), "partner_id"),
        as_email(kwargs.get("partner_email"), "partner_email", required=False),
        as_text(kwargs.get("partner_name"), "partner_name", required=False),
    )


class MailPluginRecordsController(http.Controller):
    """The apps' records: search, open, create from an email, log an email on one."""

    @json_route(["/mail_plugin/search_records", "/mail_plugin/search_records/<string:model>"])
    def search_records(self, model=None, query=None, **kwargs):
        """``[rows, total]``; ``{"error": ...}`` for a model it cannot search (shown by the add-on)."""
        return request.env["mail.plugin.search"]._search_records(model, query)

    @http.route(
        ["/mail_plugin/redirect_to_record/<string:model>", "/mail_plugin/redirect_to_record/<string:model>/"],
        type="http",
        auth="user",
        methods=["GET"],
        website=False,
    )
    def redirect_to_record(self, model, record_id=None, **kwargs):
        """Open a record in the web client (the newer add-on's "View in Odoo" link)."""
        if not request.env["mail.plugin.connection"]._feature_enabled():
            return message_page(_("The mail plugin is not enabled"), _("Ask an administrator."), status=404)
        if not request.env.user._is_internal():
            return message_page(_("Access refused"), _("Only internal users can open this link."), status=403)
        try:
            url = request.env["mail.plugin.search"]._record_form_url(model, as_id(record_id, "record_id"))
        except MailPluginError as error:
            return message_page(_("Cannot open this record"), error.args[0], status=404)
        return request.redirect(url, 303)

    @json_route("/mail_plugin/log_mail_content")
    def log_mail_content(self, **kwargs):
        model = as_text(kwargs.get("model"), "model", max_length=128)
        res_id = as_id(kwargs.get("res_id"), "res_id")
        if not is_absent(kwargs.get("message")):
            # Older add-on: the body comes already wrapped with the sender.
            body = as_text(kwargs["message"], "message", max_length=MAX_HTML)
            email = None
        elif "body" in kwargs:
            body = as_text(kwargs["body"], "body", required=False, max_length=MAX_HTML)
            timestamp = kwargs.get("timestamp")
            if not is_absent(timestamp) and (
                isinstance(timestamp, bool)
                or not isinstance(timestamp, int | float)
                or not 0 < timestamp < 10**14
            ):
                raise MailPluginError(_("Invalid parameter timestamp: milliseconds since 1970 are expected"))
            # Raw header values: a long list of recipients easily passes the usual text limit.
            email = {
                key: as_text(kwargs.get(key), key, required=False, max_length=MAX_HEADER)
                for key in ("email_from", "email_to", "email_cc", "subject", "application_name")
            }
            email["date"] = not is_absent(timestamp) and mail_model()._date_from_timestamp(timestamp)
        else:
            raise MailPluginError(_("Missing parameter: body"))
        attachments = attachments_param(kwargs.get("attachments"))
        mail_model()._log_email(model, res_id, body, attachments, email)
        return True

    @json_route("/mail_plugin/lead/create")
    def lead_create(self, **kwargs):
        return self._create_from_email("crm.lead", kwargs)

    @json_route("/mail_plugin/ticket/create")
    def ticket_create(self, **kwargs):
        return self._create_from_email("helpdesk.ticket", kwargs)

    @staticmethod
    def _create_from_email(model, kwargs, **params):
        """Parse the email a record is made from, create the ``model`` record, and answer
        with its row and its contact (both generations). ``params`` go to the app's
        ``_prepare_<key>_values`` (see mail.plugin.app)."""
        apps_model()._check_app(model)
        subject, body = email_params(kwargs)
        attachments = attachments_param(kwargs.get("attachments"))
        records = records_model()
        # The same request again (a retry after a lost answer) returns the first record.
        contact = [kwargs.get(key) for key in ("partner_id", "partner_email", "partner_name")]
        record, claim = request.env["mail.plugin.creation"]._claim(model, [params, contact, subject, body])
        if record:
            partner = record.partner_id
        else:
            partner = record_contact(kwargs)
            record = records._create_from_email(model, partner, subject, body, attachments, **params)
            claim._bind(record)
        return {**apps_model()._rows(record)[0], **records._contact_keys(partner)}

    @json_route("/mail_plugin/task/create")
    def task_create(self, **kwargs):
        apps_model()._check_app("project.task")  # before the project, as on the other routes
        project_id = as_id(kwargs.get("project_id"), "project_id")
        return self._create_from_email("project.task", kwargs, project_id=project_id)

    @json_route("/mail_plugin/project/search")
    def project_search(self, **kwargs):
        """The older add-on's project picker: a bare list (it maps over the result)."""
        term = as_text(kwargs.get("search_term"), "search_term", required=False)
        rows, _total = records_model()._search_records("project.project", term)
        return [
            {key: row[key] for key in ("project_id", "id", "name", "partner_name", "company_id")}
            for row in rows
        ]

    @json_route("/mail_plugin/project/create")
    def project_create(self, **kwargs):
        name = as_text(kwargs.get("name"), "name")
        apps_model()._check_app("project.project")
        project, claim = request.env["mail.plugin.creation"]._claim("project.project", [name])
        if not project:
            project = records_model()._create_project(name)
            claim._bind(project)
        return apps_model()._rows(project)[0]
