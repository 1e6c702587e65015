import datetime

import psycopg2
from markupsafe import Markup

from odoo import _, api, models
from odoo.exceptions import AccessError
from odoo.tools import html_sanitize
from odoo.tools.misc import format_datetime

from ..tools.exceptions import MailPluginError

# The add-ons send at most 40 MB of attachments per email (their own limit).
DEFAULT_MAX_ATTACHMENT_MB = 40
MAX_ATTACHMENT_PARAM = "mail_plugin_gmail.max_attachment_mb"
DEFAULT_MAX_ATTACHMENTS = 100
MAX_ATTACHMENTS_PARAM = "mail_plugin_gmail.max_attachments"


class MailPluginEmail(models.AbstractModel):
    """The email the add-on sends: its body, its attachments, and logging it on a record."""

    _name = "mail.plugin.email"
    _description = "Mail Plugin Email"

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
    def _max_attachment_count(self):
        """How many attachments one email may bring: each becomes a row and a file, so an
        empty attachment still costs; the size limit alone does not bound them."""
        # sudo: system parameters are readable by administrators only; this reads one
        # number set in the settings.
        value = self.env["ir.config_parameter"].sudo().get_param(MAX_ATTACHMENTS_PARAM) or ""
        count = int(value) if value.strip().isdigit() else 0
        return count if count > 0 else DEFAULT_MAX_ATTACHMENTS

    @api.model
    def _sanitize_email_html(self, html):
        """The email's HTML cleaned with the options of the chatter's message body."""
        return html_sanitize(html or "", sanitize_style=True)

    @api.model
    def _attach(self, record, attachments):
        """Store the email's attachments on ``record``, one at a time: ``attachments`` may decode
        each when it is read (tools.params.Attachments), so only one is in memory at once."""
        created = self.env["ir.attachment"]
        for name, content in attachments:
            created |= created.create(
                {"name": name, "raw": content, "res_model": record._name, "res_id": record.id}
            )
            del content
        return created

    @api.model
    def _date_from_timestamp(self, timestamp_ms):
        return datetime.datetime.utcfromtimestamp(timestamp_ms / 1000)

    # ------------------------------------------------------------------------------------
    # log_mail_content
    # ------------------------------------------------------------------------------------
    @api.model
    def _log_target(self, model, res_id):
        """The record to log on, if the user may modify it; a clear error otherwise."""
        apps = self.env["mail.plugin.app"]
        if model not in apps._app_models("loggable"):
            raise MailPluginError(_("Emails cannot be logged on records of type %s.", model))
        apps._check_app(model)
        # One answer for "missing" and "not yours" (another company's, say): a search as the
        # user, so that neither the text nor the path taken tells whether the id exists.
        try:
            record = self.env[model].search([("id", "=", res_id)], limit=1)
        except AccessError:
            record = None
        if not record:
            raise MailPluginError(_("This record does not exist or you are not allowed to see it."))
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
        # Stored first, one at a time, then linked to the note (message_post would take them
        # all decoded at once).
        attached = self._attach(record, attachments)
        # Odoo's message_post subscribes the author in the request's transaction; two first
        # logs at once then both insert the same follower and one fails. The author is
        # subscribed below instead, in a way that cannot fail.
        message = record.with_context(mail_create_nosubscribe=True).message_post(
            body=Markup(html),
            subject=(email or {}).get("subject") or None,
            message_type="comment",
            subtype_xmlid="mail.mt_note",
            attachment_ids=attached.ids,
        )
        self._subscribe_author(record)
        return message

    @api.model
    def _subscribe_author(self, record):
        """Make the user follow ``record`` (so that they get the answers), as posting in the
        chatter does, also when other requests log on the same record at the same moment.

        Requests run in REPEATABLE READ: a follower another request added after this one
        started is invisible here, and inserting it again fails. The insert skips an existing
        row and runs in a savepoint without logging; a serialization failure means a
        concurrent request subscribed the user, which is the wanted outcome.
        """
        partner = self.env.user.partner_id
        if not self.env.user.active or partner in record.message_partner_ids:
            return
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    """
                    INSERT INTO mail_followers (res_model, res_id, partner_id)
                         VALUES (%s, %s, %s)
                    ON CONFLICT DO NOTHING
                      RETURNING id
                    """,
                    [record._name, record.id, partner.id],
                    log_exceptions=False,
                )
                row = self.env.cr.fetchone()
        except psycopg2.errors.SerializationFailure:
            return
        if row:
            # The follower is this transaction's own row: its subtypes are set through the ORM.
            # sudo: followers are managed by the mail module on behalf of the user, as
            # message_post does.
            subtypes = self.env["mail.message.subtype"].default_subtypes(record._name)[0]
            self.env["mail.followers"].sudo().browse(row[0]).subtype_ids = subtypes
        record.invalidate_recordset(["message_follower_ids", "message_partner_ids"])
