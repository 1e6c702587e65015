import hmac
import logging
from datetime import timedelta

import psycopg2

from odoo import _, api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import sql, str2bool

from ..tools.credentials import PLUGIN_SCOPE, secret_digest
from ..tools.params import is_unstorable

_logger = logging.getLogger(__name__)

ENABLED_PARAM = "mail_plugin_gmail.enabled"
TOUCH_EVERY = timedelta(minutes=1)


class MailPluginConnection(models.Model):
    """A mail add-on signed in for a user: one per API key issued through the consent page."""

    _name = "mail.plugin.connection"
    _description = "Mail Plugin Connection"
    _order = "create_date desc, id desc"
    _rec_name = "client_name"

    apikey_id = fields.Many2one(
        "res.users.apikeys", required=True, readonly=True, ondelete="cascade", index=True
    )
    user_id = fields.Many2one("res.users", required=True, readonly=True, ondelete="cascade", index=True)
    client_name = fields.Char(required=True, readonly=True)
    key_digest = fields.Char(required=True, readonly=True, copy=False, groups="base.group_system")
    last_use = fields.Datetime(readonly=True)

    _sql_constraints = [
        ("key_digest_unique", "UNIQUE(key_digest)", "A token can belong to one connection only."),
    ]

    def init(self):
        # Odoo creates no foreign key towards res_users_apikeys (not an ORM-made table); this
        # one makes revoking a key delete its connection, whoever removes the key and how.
        if not sql.constraint_definition(self.env.cr, self._table, "mail_plugin_connection_apikey_fk"):
            self.env.cr.execute(
                """
                ALTER TABLE mail_plugin_connection ADD CONSTRAINT mail_plugin_connection_apikey_fk
                FOREIGN KEY (apikey_id) REFERENCES res_users_apikeys(id) ON DELETE CASCADE
                """
            )

    @api.model
    def _feature_enabled(self):
        """Read as Odoo reads booleans (``str2bool``): "False", "0", "off" or anything
        unknown is off, so a neutralized copy or a hand-typed parameter cannot stay on."""
        value = self.env["ir.config_parameter"].sudo().get_param(ENABLED_PARAM)
        return str2bool(value or "", default=False)

    @api.model
    def _create_for_user(self, user, client_name, scope=PLUGIN_SCOPE):
        """Issue an API key for ``user`` and record it; returns the clear key (shown once)."""
        name = _("Mail Plugin: %s", client_name)
        key = self.env["res.users.apikeys"].with_user(user)._generate(scope, name)
        self.env.cr.execute(
            "SELECT id FROM res_users_apikeys WHERE user_id = %s AND index = %s " "ORDER BY id DESC LIMIT 1",
            [user.id, key[:8]],
        )
        apikey_id = self.env.cr.fetchone()[0]
        connection = self.sudo().create(
            {
                "apikey_id": apikey_id,
                "user_id": user.id,
                "client_name": client_name,
                "key_digest": secret_digest(key),
            }
        )
        return connection, key

    @api.model
    def _authenticate_token(self, token):
        """Return the id of the internal, active user owning ``token``, or None.

        One indexed query; the API key must still exist (revoking it deletes the connection
        through the foreign key), so revocation is immediate on every worker and server.
        """
        if not token or len(token) > 256 or is_unstorable(token):
            return None
        digest = secret_digest(token)
        self.env.cr.execute(
            """
            SELECT c.id, c.key_digest, u.id, c.last_use
              FROM mail_plugin_connection c
              JOIN res_users_apikeys k ON k.id = c.apikey_id
              JOIN res_users u ON u.id = k.user_id
             WHERE c.key_digest = %s AND k.scope = %s AND u.active AND NOT u.share
            """,
            [digest, PLUGIN_SCOPE],
        )
        row = self.env.cr.fetchone()
        if row and hmac.compare_digest(row[1], digest):
            if not row[3] or row[3] < fields.Datetime.now() - TOUCH_EVERY:
                self._touch(row[0])  # 3 queries (savepoint, update, release): not every call
            return row[2]
        return self._adopt_legacy_key(token)

    @api.model
    def _token_owner_hint(self, token):
        """The user whose plugin key starts like ``token`` (the 8-character public prefix of
        an API key), or None: a failed check then also counts against that user."""
        if not isinstance(token, str) or len(token) < 8 or is_unstorable(token):
            return None
        self.env.cr.execute(
            "SELECT DISTINCT user_id FROM res_users_apikeys WHERE index = %s AND scope = %s LIMIT 2",
            [token[:8], PLUGIN_SCOPE],
        )
        rows = self.env.cr.fetchall()
        return rows[0][0] if len(rows) == 1 else None

    def _touch(self, connection_id):
        """Record the last use at most once a minute, never waiting on another request.

        Two requests with the same token at the same moment race for this write. The loser
        gets a serialization failure (the row changed after its snapshot) or skips the locked
        row: either way the date is already recent, so the failure is expected and dropped.
        The statement runs with ``log_exceptions=False`` so that Odoo's cursor does not log
        that expected failure as an ERROR ("bad query"), and in a savepoint so that the
        request itself goes on.
        """
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    """
                    UPDATE mail_plugin_connection SET last_use = %(now)s
                     WHERE id = (SELECT id FROM mail_plugin_connection
                                  WHERE id = %(id)s AND (last_use IS NULL OR
                                        last_use < %(now)s - %(every)s)
                                  FOR UPDATE SKIP LOCKED)
                    """,
                    {"id": connection_id, "now": fields.Datetime.now(), "every": TOUCH_EVERY},
                    log_exceptions=False,
                )
        except psycopg2.errors.SerializationFailure:
            _logger.debug("mail plugin: last use of connection %s recorded by another request", connection_id)

    @api.model
    def _adopt_legacy_key(self, token):
        """Accept a plugin key issued before this module (e.g. by Odoo's mail_plugin) once
        through Odoo's slow check, and record it so later checks take the fast path."""
        uid = self.env["res.users.apikeys"]._check_credentials(scope=PLUGIN_SCOPE, key=token)
        if not uid:
            return None
        user = self.env["res.users"].browse(uid)
        if user.share:
            return None
        self.env.cr.execute(
            """
            SELECT k.id FROM res_users_apikeys k
             WHERE k.user_id = %s AND k.index = %s AND k.scope = %s
               AND NOT EXISTS (SELECT 1 FROM mail_plugin_connection c WHERE c.apikey_id = k.id)
            """,
            [uid, token[:8], PLUGIN_SCOPE],
        )
        candidates = self.env.cr.fetchall()
        # Odoo's check also accepts keys without scope (full RPC access): those are not plugin
        # tokens, and a key made for another use must not open this API.
        self.env.cr.execute(
            "SELECT 1 FROM res_users_apikeys WHERE user_id = %s AND index = %s AND scope IS NULL",
            [uid, token[:8]],
        )
        if not candidates or self.env.cr.fetchone():
            return None
        if len(candidates) == 1:
            self.create(
                {
                    "apikey_id": candidates[0][0],
                    "user_id": uid,
                    "client_name": "Mail Plugin",
                    "key_digest": secret_digest(token),
                }
            )
        return uid

    def unlink(self):
        """Deleting a connection revokes its key: a key left without its connection would
        be taken for a key of Odoo's own module and adopted again on its next use."""
        keys = self.sudo().apikey_id
        result = super().unlink()
        # sudo: super() has just checked that this user may delete these connections (an
        # administrator); their keys go with them, as a revocation does.
        keys.sudo()._remove()
        return result

    def action_revoke(self):
        """Delete the API keys behind these connections (the connections go with them)."""
        if not self.env.is_system() and self.user_id != self.env.user:
            raise AccessError(_("You can only revoke your own mail plugin connections."))
        # sudo: API keys are not writable through the ORM by anyone; the check above limits
        # this to the owner or an administrator, as Odoo's own key removal does.
        self.sudo().apikey_id._remove()
        return True
