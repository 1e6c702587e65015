import logging
import re
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

from odoo import _, api, fields, models

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
# One DNS label (lower case, as urlsplit gives host names) and an optional port.
HOST_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
HOST_NAME = re.compile(rf"{HOST_LABEL}(?:\.{HOST_LABEL})+")
# What a callback path may hold: no backslash, no percent-encoded dot, slash or backslash
# (a browser may decode them into a path of its own), no dot segment.
PATH = re.compile(r"/[A-Za-z0-9._~!$&'()+,;=:@/%-]*")
TRICKY_PATH = re.compile(r"%(?:2e|2f|5c)|(?:^|/)\.{1,2}(?:/|$)", re.IGNORECASE)


class CallbackPattern:
    """An administrator's allowed sign-in callback, parsed as a URL.

    ``https://host[:port]/path``: the host exact or with one leading ``*.`` label (one DNS
    label, never a dot, slash or ``@``), the path exact or ending in ``/*`` (anything below
    it). No user name, query or fragment. Raises ValueError with the reason otherwise.
    """

    def __init__(self, text):
        self.text = text
        if not text.lower().startswith("https://"):
            raise ValueError(_("it must start with https://"))
        if any(c in text for c in "?#"):
            raise ValueError(_("it must not contain a query (?) or a fragment (#)"))
        if "@" in text.split("/", 3)[2]:
            raise ValueError(_("it must not contain a user name or password (@)"))
        wildcard = "//*." in text
        parts = urlsplit(text.replace("//*.", "//", 1) if wildcard else text)
        try:
            port = parts.port
        except ValueError:
            port = -1
        host = parts.hostname or ""
        if port == -1 or not HOST_NAME.fullmatch(host) or "*" in parts.netloc:
            raise ValueError(_("the host must be a name such as addin.example.com, or *.example.com"))
        path = parts.path or "/"
        self.subtree = path.endswith("/*")
        if self.subtree:
            path = path[:-2]
        if "*" in path or (path and not PATH.fullmatch(path)) or TRICKY_PATH.search(path):
            raise ValueError(_("the path must be exact, or end with /* to allow everything below it"))
        self.host, self.wildcard, self.port, self.path = host, wildcard, port or 443, path

    def matches(self, parts):
        """Whether the split callback ``parts`` (already checked to be a clean https URL)
        is one this pattern allows."""
        host = parts.hostname
        if self.wildcard:
            label, _dot, parent = host.partition(".")
            if parent != self.host or not re.fullmatch(HOST_LABEL, label):
                return False
        elif host != self.host:
            return False
        if (parts.port or 443) != self.port:
            return False
        if self.subtree:
            return parts.path.startswith(self.path + "/") and len(parts.path) > len(self.path) + 1
        return (parts.path or "/") == (self.path or "/")


def split_callback(redirect):
    """The parts of a callback that may be matched against patterns, or None when it is not a
    plain https URL without user name, query, fragment, dot segments or encoded separators.

    No query: the add-on's parameters are the only ones, so that no parameter of the callback
    (a "next" address, say) can send the code further."""
    try:
        parts = urlsplit(redirect)
        port = parts.port
    except ValueError:
        return None
    if (
        parts.scheme != "https"
        or "?" in redirect
        or "#" in redirect
        or "@" in parts.netloc
        or not HOST_NAME.fullmatch(parts.hostname or "")
        or (port is not None and not 0 < port < 65536)
        or (parts.path and not PATH.fullmatch(parts.path))
        or TRICKY_PATH.search(parts.path)
    ):
        return None
    return parts


def parse_callback_patterns(raw):
    """Split the setting (commas or blanks) into CallbackPattern objects; raises ValueError
    naming the first pattern that is not allowed."""
    patterns = []
    for text in re.split(r"[\s,]+", raw or ""):
        if not text:
            continue
        try:
            patterns.append(CallbackPattern(text))
        except ValueError as exc:
            raise ValueError(
                _(
                    "“%(pattern)s” is not an allowed sign-in callback: %(reason)s.",
                    pattern=text,
                    reason=exc.args[0],
                )
            ) from None
    return patterns


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
