import hashlib
import json
from datetime import timedelta

from odoo import api, fields, models

# How long an identical creation request returns the record made the first time.
WINDOW = timedelta(minutes=5)

CLAIM = """
    INSERT INTO mail_plugin_creation (key, res_model, created_at)
         VALUES (%(key)s, %(model)s, %(now)s)
    ON CONFLICT (key) DO UPDATE SET res_id = NULL, created_at = EXCLUDED.created_at
                              WHERE mail_plugin_creation.created_at < %(expired)s
      RETURNING id
"""


class MailPluginCreation(models.Model):
    """Records created from the add-on in the last minutes, by a digest of the request.

    The add-on sends no idempotency key, and it cannot know whether a creation whose answer
    was lost (a worker restarted, the database went away after the commit, a timeout at
    Google's side) went through: its user presses the button again. The digest of what it
    sends (user, model, contact, subject, body, project) stands in for a key: the same
    request within ``WINDOW`` returns the record made the first time instead of a second one.

    Two identical requests at the same moment are serialized by the unique key: the second
    one waits for the first; if the first commits, PostgreSQL reports a serialization
    failure (the row is not in the second one's snapshot), Odoo's request handler retries
    the whole request with a fresh snapshot, and the retry finds the record.

    Rows are only written and read through :meth:`_claim` and :meth:`_bind` (as superuser: the
    digest includes the user's id, so a user only ever finds their own creations).
    """

    _name = "mail.plugin.creation"
    _description = "Mail Plugin Creation"
    _log_access = False

    key = fields.Char(required=True, readonly=True)
    res_model = fields.Char(required=True, readonly=True)
    res_id = fields.Many2oneReference(model_field="res_model", readonly=True)
    created_at = fields.Datetime(required=True, readonly=True, index=True)

    _sql_constraints = [
        ("key_unique", "UNIQUE(key)", "One creation per request digest."),
    ]

    @api.model
    def _key(self, model, parts):
        """Digest of one creation request of the current user."""
        material = json.dumps([self.env.uid, model, parts], sort_keys=True, default=str)
        return hashlib.sha256(material.encode()).hexdigest()

    @api.model
    def _claim(self, model, parts):
        """``(record, claim)``: the ``model`` record an identical request made within the
        window (and ``claim`` empty), or an empty recordset and the claim this request must
        :meth:`_bind` to the record it creates.

        The statement can fail with a serialization failure (see the class docstring); it is
        not logged as an error, and Odoo retries the request.
        """
        now = fields.Datetime.now()
        params = {"key": self._key(model, parts), "model": model, "now": now, "expired": now - WINDOW}
        self.env.cr.execute(CLAIM, params, log_exceptions=False)
        row = self.env.cr.fetchone()
        # sudo: see the class docstring; the key holds the user's id.
        creations = self.sudo()
        if row:
            return self.env[model], creations.browse(row[0])
        creation = creations.search([("key", "=", params["key"])], limit=1)
        record = self.env[model].browse(creation.res_id).exists()
        if record and record._filter_access_rules("read"):
            return record, creations
        # The record was deleted (or hidden) since: this request makes a new one. Like the
        # claim, this may meet a concurrent identical request: same handling.
        self.env.cr.execute(
            "UPDATE mail_plugin_creation SET res_id = NULL, created_at = %s WHERE id = %s",
            [now, creation.id],
            log_exceptions=False,
        )
        creation.invalidate_recordset()
        return self.env[model], creation

    def _bind(self, record):
        """Remember that this claim made ``record``."""
        if self:
            self.ensure_one()
            self.write({"res_id": record.id})

    @api.autovacuum
    def _gc_expired(self):
        self.env.cr.execute(
            "DELETE FROM mail_plugin_creation WHERE created_at < %s", [fields.Datetime.now() - WINDOW]
        )
