import logging
import time
from datetime import datetime, timezone

import psycopg2

from odoo import _, api, fields, models

from ..tools.exceptions import MailPluginRateLimited

_logger = logging.getLogger(__name__)

LIMIT_PARAM = "mail_plugin_gmail.rate_limit.%s"
# name: (events allowed per window, window in seconds). An administrator overrides one with the
# system parameter mail_plugin_gmail.rate_limit.<name> = "<count>/<seconds>" ("0" turns it off).
DEFAULT_LIMITS = {
    # Unknown access tokens, per client address and per user whose key prefix they carry.
    "token_failure_address": (60, 600),
    "token_failure_user": (20, 600),
    # Unknown, expired or replayed sign-in codes, per client address and per code owner.
    "code_failure_address": (20, 600),
    "code_failure_user": (10, 600),
    # Tokens issued to one user.
    "code_exchange_user": (20, 3600),
    # Allow presses on the consent page, per browser address and per user.
    "confirm_address": (60, 600),
    "confirm_user": (20, 600),
}
UPSERT = """
    INSERT INTO mail_plugin_rate_limit (key, window_start, expires_at, hits)
         VALUES (%(key)s, %(start)s, %(end)s, 1)
    ON CONFLICT (key, window_start) DO UPDATE SET hits = mail_plugin_rate_limit.hits + 1
      RETURNING hits
"""
PREVIOUS = "SELECT hits FROM mail_plugin_rate_limit WHERE key = %(key)s AND window_start = %(previous)s"


class MailPluginRateLimit(models.Model):
    """Counters of sensitive events per client address or user, in fixed time windows.

    They live in PostgreSQL, so every worker of every server behind a load balancer shares
    them. A counter is written on a cursor of its own, committed at once: a request that
    fails afterwards (and is rolled back) is still counted, and the row lock is held for one
    statement only, so concurrent legitimate requests never wait on each other for long.
    """

    _name = "mail.plugin.rate.limit"
    _description = "Mail Plugin Rate Limit Counter"
    _log_access = False

    key = fields.Char(required=True, readonly=True)
    window_start = fields.Datetime(required=True, readonly=True)
    expires_at = fields.Datetime(required=True, readonly=True, index=True)
    hits = fields.Integer(required=True, readonly=True)

    _sql_constraints = [
        ("key_window_unique", "UNIQUE(key, window_start)", "One counter per key and window."),
    ]

    @api.model
    def _get_limit(self, name):
        """``(count, seconds)`` for the limit ``name``, or None when it is turned off."""
        count, seconds = DEFAULT_LIMITS[name]
        raw = self.env["ir.config_parameter"].sudo().get_param(LIMIT_PARAM % name)
        if raw:
            try:
                parts = [int(part) for part in raw.replace(" ", "").split("/")]
                count, seconds = parts[0], (parts[1] if len(parts) > 1 else seconds)
            except ValueError:
                _logger.warning("mail plugin: ignoring invalid rate limit %s=%r", LIMIT_PARAM % name, raw)
        if count <= 0 or seconds <= 0:
            return None
        return count, seconds

    @api.model
    def _hit(self, name, subject):
        """Count one event of kind ``name`` for ``subject`` (an address, ``user #id``).

        Returns the number of seconds until the window ends when the limit is exceeded, else 0.
        The first event over the limit is logged as a warning, once per window.
        """
        limit = self._get_limit(name)
        if not limit or not subject:
            return 0
        count, seconds = limit
        now = time.time()
        start = int(now) - int(now) % seconds
        hits, previous = self._increment(f"{name}:{subject}", start, seconds)
        # Sliding window: the previous window still weighs for the part of it that overlaps
        # the last ``seconds``, so a burst across a window boundary is not let through twice.
        estimate = hits + previous * (1 - (now - start) / seconds)
        if estimate - 1 <= count < estimate:  # the first event over the limit
            _logger.warning(
                "mail plugin: rate limit %s reached by %s: more than %s events in %s seconds; "
                "refused until the window ends (system parameter %s)",
                name,
                subject,
                count,
                seconds,
                LIMIT_PARAM % name,
            )
        return max(1, int(start + seconds - now)) if estimate > count else 0

    @api.model
    def _check(self, *hits):
        """Raise the add-on's "too many requests" error for the first exceeded limit."""
        retry_after = max((hit or 0 for hit in hits), default=0)
        if retry_after:
            raise MailPluginRateLimited(
                _("Too many attempts. Wait a few minutes, then try again."), retry_after=retry_after
            )

    @api.model
    def _enforce(self, *hits):
        """Like _check, but first commits what the request did: a refusal that is about to
        be raised (and would roll the transaction back) must not undo what the refused
        attempt caused, such as the revocation of a token whose code was replayed."""
        if any(hits):
            # Deliberate commit, see the docstring.
            self.env.cr.commit()  # pylint: disable=invalid-commit
        self._check(*hits)

    def _increment(self, key, start, seconds):
        """Atomic upsert on a separate cursor; returns the counts of this window and of the one
        before, or zeros if they could not be kept (the counter must never be the reason a
        legitimate request fails). A row lives two windows: the next one still reads it."""

        def utc(timestamp):
            return datetime.fromtimestamp(timestamp, timezone.utc).replace(tzinfo=None)

        registry = self.env.registry
        values = {
            "key": key[:256],
            "start": utc(start),
            "end": utc(start + 2 * seconds),
            "previous": utc(start - seconds),
        }
        for _attempt in range(3):
            try:
                with registry.cursor() as cr:
                    if not registry.in_test_mode():
                        # A fresh transaction: READ COMMITTED makes the upsert wait for a
                        # concurrent one and then add to it, instead of failing to serialise.
                        cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
                    cr.execute(UPSERT, values)
                    hits = cr.fetchone()[0]
                    cr.execute(PREVIOUS, values)
                    row = cr.fetchone()
                    return hits, row[0] if row else 0
            except psycopg2.errors.SerializationFailure:
                continue
            except psycopg2.Error as exc:
                _logger.warning("mail plugin: rate limit counter %s not updated: %s", key, exc)
                return 0, 0
        return 0, 0

    @api.autovacuum
    def _gc_rate_limit_counters(self):
        self.env.cr.execute(
            "DELETE FROM mail_plugin_rate_limit WHERE expires_at < %s", [fields.Datetime.now()]
        )
