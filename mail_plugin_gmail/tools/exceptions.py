from odoo.exceptions import UserError


class MailPluginError(UserError):
    """An error the add-on gets as a clean JSON-RPC error.

    ``status`` is the HTTP status of the answer; the JSON-RPC envelope stays the same,
    so the add-on and scripts can rely on ``error.data.message``.
    """

    def __init__(self, message, status=200):
        super().__init__(message)
        self.status = status


class MailPluginRateLimited(MailPluginError):
    """Too many attempts: HTTP 429, with the seconds to wait in ``Retry-After``."""

    def __init__(self, message, retry_after=60):
        super().__init__(message, status=429)
        self.retry_after = int(retry_after)


class MailPluginBadInput(MailPluginError):
    """A text no column can store (NUL, a lone surrogate) in a header, query argument, form
    field or parameter: a JSON-RPC error for the add-on, an HTTP 400 page for a browser."""
