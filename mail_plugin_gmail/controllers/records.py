from odoo import _, http
from odoo.addons.web.controllers.action import Action
from odoo.exceptions import MissingError
from odoo.http import request

from ..tools.exceptions import MailPluginError
from ..tools.params import MAX_HTML, as_attachments, as_email, as_id, as_text, is_absent
from .common import json_route

MAX_HEADER = 64 * 1024


def records_model():
    return request.env["mail.plugin.records"]


def attachments_param(value):
    return as_attachments(value, max_bytes=records_model()._max_attachment_bytes())


def email_params(kwargs):
    """Subject and body of the email a record is created from (both add-on generations)."""
    subject = as_text(kwargs.get("email_subject"), "email_subject", required=False)
    body = as_text(kwargs.get("email_body"), "email_body", required=False, max_length=MAX_HTML)
    return subject, body


def record_contact(kwargs):
    """The contact of a new record: ``partner_id``, or (newer add-on, unknown sender)
    ``partner_email``/``partner_name`` to find or create it."""
    return records_model()._record_contact(
        as_id(kwargs.get("partner_id"), "partner_id", required=False),
        as_email(kwargs.get("partner_email"), "partner_email", required=False),
        as_text(kwargs.get("partner_name"), "partner_name", required=False),
    )


class MailPluginRecordsController(http.Controller):
    """Logging emails on records and creating records from emails."""

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
            email["date"] = not is_absent(timestamp) and records_model()._date_from_timestamp(timestamp)
        else:
            raise MailPluginError(_("Missing parameter: body"))
        attachments = attachments_param(kwargs.get("attachments"))
        records_model()._log_email(model, res_id, body, attachments, email)
        return True

    @json_route("/mail_plugin/lead/create")
    def lead_create(self, **kwargs):
        return self._create_from_email("crm.lead", "_create_lead", kwargs)

    @json_route("/mail_plugin/ticket/create")
    def ticket_create(self, **kwargs):
        return self._create_from_email("helpdesk.ticket", "_create_ticket", kwargs)

    @staticmethod
    def _create_from_email(model, create_method, kwargs, *leading_args):
        """Parse the email a record is made from, create it with ``create_method`` of
        mail.plugin.records, and answer with its row and its contact (both generations)."""
        records = records_model()
        records._check_app(model)
        subject, body = email_params(kwargs)
        attachments = attachments_param(kwargs.get("attachments"))
        partner = record_contact(kwargs)
        record = getattr(records, create_method)(*leading_args, partner, subject, body, attachments)
        return {**records._record_rows(record)[0], **records._contact_keys(partner)}

    @json_route("/mail_plugin/task/create")
    def task_create(self, **kwargs):
        records_model()._check_app("project.task")  # before the project, as on the other routes
        project_id = as_id(kwargs.get("project_id"), "project_id")
        return self._create_from_email("project.task", "_create_task", kwargs, project_id)

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
        records = records_model()
        name = as_text(kwargs.get("name"), "name")
        return records._record_rows(records._create_project(name))[0]


class MailPluginLegacyActions(Action):
    """The older add-on links to action xml ids of Odoo's connector modules; see
    ``mail.plugin.records._legacy_addon_action``."""

    @http.route()
    def load(self, action_id, additional_context=None):
        try:
            return super().load(action_id, additional_context=additional_context)
        except MissingError:
            action = isinstance(action_id, str) and request.env["mail.plugin.records"]._legacy_addon_action(
                action_id
            )
            if not action:
                raise
            return action
