import logging
import re
import secrets
from datetime import timedelta

from odoo import api, fields, models

from ..tools.callbacks import parse_callback_patterns, split_callback
from ..tools.credentials import PLUGIN_SCOPE, secret_digest
from ..tools.params import is_unstorable

_logger = logging.getLogger(__name__)

CODE_LIFETIME = timedelta(minutes=3)
REDIRECT_PATTERNS_PARAM = "mail_plugin_gmail.redirect_patterns"
# The Gmail add-on's OAuth callback on Google Apps Script: one fixed shape, any script id.
GMAIL_CALLBACK = re.compile(r"^https://script\.google\.com/macros/d/[A-Za-z0-9_-]{10,200}/usercallback$")
SUCCESS_PATH = "/mail_plugin/auth/success"
# Client scopes the consent page accepts, and the API key scope each one gets.
SCOPES = {"outlook": PLUGIN_SCOPE}


def _address(address):
    return address and f"address {address}"


class MailPluginAuthCode(models.Model):
    """A one-time code the consent page hands to the add-on, exchanged for a token.

    Only the hash is kept; the code is bound to its user, scope and redirect, lives three
    minutes and works once. A second use revokes the token the first one produced.
    """

    _name = "mail.plugin.auth.code"
    _description = "Mail Plugin Authorization Code"
    _log_access = False

    code_hash = fields.Char(required=True, readonly=True, index=True)
    user_id = fields.Many2one("res.users", required=True, readonly=True, ondelete="cascade")
    scope = fields.Char(required=True, readonly=True)
    redirect_uri = fields.Char(readonly=True)
    client_name = fields.Char(readonly=True)
    expires_at = fields.Datetime(required=True, readonly=True)
    used_at = fields.Datetime(readonly=True)
    connection_id = fields.Many2one("mail.plugin.connection", readonly=True, ondelete="set null")

    _sql_constraints = [("code_hash_unique", "UNIQUE(code_hash)", "Codes are unique.")]

    @api.model
    def _is_redirect_allowed(self, redirect):
        """Codes only go to the Gmail add-on, our own success page, or what an admin allowed."""
        if not redirect:
            return True  # the success page of this module
        if len(redirect) > 2048 or is_unstorable(redirect) or any(c in redirect for c in "\r\n\t\\ "):
            return False
        if GMAIL_CALLBACK.match(redirect):
            return True
        if self._is_success_page(redirect):
            return True
        parts = split_callback(redirect)
        return bool(parts) and any(pattern.matches(parts) for pattern in self._admin_patterns())

    @api.model
    def _is_success_page(self, redirect):
        """Whether ``redirect`` names this module's Success page (or nothing): the sign-in
        then ends on that page, and no code is put in any URL."""
        if not redirect:
            return True
        base_url = self.env["ir.config_parameter"].sudo().get_param("web.base.url", "")
        return redirect in (SUCCESS_PATH, base_url.rstrip("/") + SUCCESS_PATH)

    @api.model
    def _admin_patterns(self):
        """The allowed callbacks of the setting; stored text that breaks the grammar (typed in
        System Parameters) allows nothing and is logged."""
        raw = self.env["ir.config_parameter"].sudo().get_param(REDIRECT_PATTERNS_PARAM) or ""
        patterns = []
        for text in re.split(r"[\s,]+", raw):
            try:
                patterns.extend(parse_callback_patterns(text))
            except ValueError as exc:
                _logger.warning("mail plugin: %s (%s) ignored", exc.args[0], REDIRECT_PATTERNS_PARAM)
        return patterns

    @api.model
    def _issue(self, user, scope, redirect, client_name):
        """Return a new clear code for ``user``; only its hash is stored."""
        code = secrets.token_urlsafe(32)
        self.sudo().create(
            {
                "code_hash": secret_digest(code),
                "user_id": user.id,
                "scope": SCOPES[scope],
                "redirect_uri": redirect or SUCCESS_PATH,
                "client_name": client_name,
                "expires_at": fields.Datetime.now() + CODE_LIFETIME,
            }
        )
        return code

    @api.model
    def _exchange(self, code, client_address=None, redirect_uri=None, scope=None):
        """Trade a code for an API key. Returns the key, or None with the reason logged.

        The UPDATE ... WHERE used_at IS NULL is the single-use guard: two workers racing on
        one code serialise on the row, and only one of them sees it unused. ``redirect_uri``
        and ``scope``, when the client sends them, must be the ones the code was issued for
        (a mismatch counts as a refused code). Refused codes are counted per
        ``client_address`` and per code owner; over the limit, the answer is a "too many
        attempts" error instead of "Invalid code".
        """
        limits = self.env["mail.plugin.rate.limit"]
        bound = {"redirect_uri": redirect_uri, "scope": scope}
        if (
            not isinstance(code, str)
            or not 20 <= len(code) <= 128
            or any(value is not None and not isinstance(value, str) for value in bound.values())
            or any(is_unstorable(value) for value in (code, *bound.values()))
        ):
            limits._enforce(limits._hit("code_failure_address", _address(client_address)))
            return None
        bound["scope"] = SCOPES.get(scope, scope)
        digest = secret_digest(code)
        cr = self.env.cr
        cr.execute(
            """
            UPDATE mail_plugin_auth_code SET used_at = %(now)s
             WHERE code_hash = %(digest)s AND used_at IS NULL AND expires_at > %(now)s
               AND (%(redirect_uri)s IS NULL OR redirect_uri = %(redirect_uri)s)
               AND (%(scope)s IS NULL OR scope = %(scope)s)
            RETURNING id
            """,
            {"digest": digest, "now": fields.Datetime.now(), **bound},
            # The loser of a race gets a serialization failure, which Odoo handles by running
            # the request again (it then sees the code used): not an error for the log.
            log_exceptions=False,
        )
        row = cr.fetchone()
        if not row:
            owner = self._handle_rejected(digest)
            limits._enforce(
                limits._hit("code_failure_address", _address(client_address)),
                owner and limits._hit("code_failure_user", f"user #{owner}"),
            )
            return None
        # sudo: the code was just proven; the token is issued for the code's user only.
        auth_code = self.sudo().browse(row[0])
        user = auth_code.user_id
        if not user.active or user.share:
            _logger.warning("mail plugin: code for inactive or external user #%s refused", user.id)
            return None
        # Raised without keeping anything: the code stays usable until it expires.
        limits._check(limits._hit("code_exchange_user", f"user #{user.id} ({user.login})"))
        connection, key = (
            self.env["mail.plugin.connection"]
            .sudo()
            ._create_for_user(user, auth_code.client_name or "Mail Plugin", scope=auth_code.scope)
        )
        auth_code.connection_id = connection
        return key

    def _handle_rejected(self, digest):
        """Log a refused code and revoke what a replayed one produced; returns the id of the
        code's user when the code is known (used or expired), else None."""
        self.env.cr.execute(
            "SELECT id, used_at IS NOT NULL, user_id FROM mail_plugin_auth_code WHERE code_hash = %s",
            [digest],
        )
        row = self.env.cr.fetchone()
        if row and row[1]:
            # sudo: a replayed code means it leaked; revoke what it produced (RFC 9700 §4.2.4).
            replayed = self.sudo().browse(row[0])
            _logger.warning(
                "mail plugin: authorization code replayed for user #%s; its token is revoked",
                replayed.user_id.id,
            )
            if replayed.connection_id:
                apikey = replayed.connection_id.apikey_id
                # Simultaneous replays revoke the same key: the lock makes the loser fail here,
                # unlogged, and Odoo runs its request again, which finds the key gone.
                self.env.cr.execute(
                    "SELECT id FROM res_users_apikeys WHERE id = %s FOR UPDATE",
                    [apikey.id],
                    log_exceptions=False,
                )
                apikey._remove()
        else:
            _logger.info("mail plugin: unknown or expired authorization code refused")
        return row and row[2]

    @api.autovacuum
    def _gc_expired_codes(self):
        self.env.cr.execute(
            "DELETE FROM mail_plugin_auth_code WHERE expires_at < %s - interval '1 day'",
            [fields.Datetime.now()],
        )
