"""Checks for the add-on's parameters: each returns the clean value or raises MailPluginError.

The add-on sends ``null`` (older generation) or ``false`` (newer one) for "no value"; both are
read as None. Every message names the parameter so that a caller knows what to fix.
"""

import base64
import binascii
import re

from odoo import _
from odoo.tools import email_normalize

from .exceptions import MailPluginBadInput, MailPluginError

MAX_TEXT = 1024  # names, subjects, search terms
MAX_HTML = 5 * 1024 * 1024  # an email body
SEARCH_LIMIT = 30  # rows of a search when the add-on asks for no number
SINGLE_ADDRESS = re.compile(r"[^@\s<>,;]+@[^@\s<>,;]+")
# NUL (PostgreSQL refuses it in text) and lone surrogates (not encodable in UTF-8): JSON can
# carry both ("\u0000", "\ud800"), and either would end as an internal error further on.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def is_unstorable(text):
    """Whether ``text`` holds a character no column can store (NUL, a lone surrogate)."""
    return isinstance(text, str) and UNSTORABLE.search(text) is not None


def unstorable_error(name, kind="parameter"):
    """The error for an unstorable text in parameter (or ``kind="header"``) ``name``."""
    if name is None or is_unstorable(name):
        return MailPluginBadInput(
            _("Invalid request: a name in it contains a null character or half of a Unicode pair")
        )
    if kind == "header":
        return MailPluginBadInput(
            _("Invalid header %s: it contains a null character or half of a Unicode pair", name)
        )
    return MailPluginBadInput(
        _("Invalid parameter %s: it contains a null character or half of a Unicode pair", name)
    )


def find_unstorable(value):
    """The first unstorable text in a decoded JSON value, at any depth (dict keys included),
    as ``(top-level key or None, text)``; None when every text is clean. Iterative: a deep
    value cannot exhaust the stack."""
    stack = [(None, value)]
    while stack:
        top, item = stack.pop()
        if isinstance(item, str):
            if UNSTORABLE.search(item):
                return top, item
        elif isinstance(item, dict):
            for key, child in item.items():
                name = key if top is None else top
                if is_unstorable(key):
                    return name, key
                stack.append((name, child))
        elif isinstance(item, list):
            stack.extend((top, child) for child in item)
    return None


def is_absent(value):
    return value is None or value is False or value == ""


def as_id(value, name, required=True):
    """A database id: a positive integer (a digit string is accepted, as JSON clients vary)."""
    if is_absent(value):
        if required:
            raise MailPluginError(_("Missing parameter: %s", name))
        return None
    # isascii: str.isdigit() is also true for "²", which int() refuses.
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 12:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**31:
        raise MailPluginError(_("Invalid parameter %s: a positive record id is expected", name))
    return value


def as_optional_id(value, name):
    """An id that may be absent; ``-1``, the add-on's "none" (``{"id": -1}`` in our answers,
    which a client may send back), is absent too."""
    if value in (-1, "-1"):
        return None
    return as_id(value, name, required=False)


def as_text(value, name, required=True, max_length=MAX_TEXT):
    if is_absent(value):
        if required:
            raise MailPluginError(_("Missing parameter: %s", name))
        return ""
    if not isinstance(value, str):
        raise MailPluginError(_("Invalid parameter %s: a text is expected", name))
    if len(value) > max_length:
        raise MailPluginError(
            _("Invalid parameter %(name)s: longer than %(max)s characters", name=name, max=max_length)
        )
    if is_unstorable(value):
        raise unstorable_error(name)
    return value


def as_email(value, name, required=True):
    """A single address, returned normalized (lower case, no display name)."""
    text = as_text(value, name, required=required, max_length=320)
    if not text:
        return ""
    normalized = email_normalize(text, strict=True)
    # Odoo's parser reads "a@b@c" as "@c": require a local part and a domain.
    if not normalized or not SINGLE_ADDRESS.fullmatch(normalized):
        raise MailPluginError(_("Invalid parameter %s: not an email address", name))
    return normalized


class Attachments:
    """The email's attachments as the add-on sent them, base64 text, checked but not decoded.

    Iterating decodes them one at a time, ``(filename, bytes)``: with the payload itself, a
    large email then sits in memory about twice (base64, then one decoded attachment at a
    time), not once more for every attachment at once. The payload is left whole: Odoo runs a
    request again after a serialization failure, with the same payload.
    """

    def __init__(self, items, name):
        self._items = items
        self._name = name

    def __len__(self):
        return len(self._items)

    def __bool__(self):
        return bool(self._items)

    def __iter__(self):
        for item in self._items:
            filename, text = as_text(item[0], self._name, max_length=255) or "attachment", item[1]
            try:
                content = _decode_base64(text)
            except (binascii.Error, ValueError):
                raise MailPluginError(_("Invalid attachment %s: its content is not valid base64", filename))
            yield filename, content
            del content


def _decode_base64(text):
    """Strict base64 decoding of an ASCII text without an intermediate bytes copy."""
    try:
        return binascii.a2b_base64(text, strict_mode=True)
    except TypeError:  # Python < 3.11: no strict mode
        return base64.b64decode(text, validate=True)


def _base64_size(text):
    """Bytes that a base64 text decodes to (without decoding it)."""
    padding = len(text) - len(text.rstrip("="))
    return max(0, len(text) * 3 // 4 - padding)


def as_attachments(value, name="attachments", max_bytes=None, max_count=None):
    """``[[filename, base64], ...]`` checked (shape, names, count, total size) and returned as
    Attachments, which decodes each one when it is stored."""
    if is_absent(value):
        return Attachments([], name)
    if not isinstance(value, list):
        raise MailPluginError(_("Invalid parameter %s: a list of [name, content] pairs is expected", name))
    if max_count is not None and len(value) > max_count:
        raise MailPluginError(
            _(
                "Too many attachments: %(count)s, while one email may bring %(max)s",
                count=len(value),
                max=max_count,
            )
        )
    total = 0
    for item in value:
        if (
            not isinstance(item, list | tuple)
            or len(item) != 2
            or not isinstance(item[0], str)
            or not isinstance(item[1], str)
        ):
            raise MailPluginError(_("Invalid parameter %s: each attachment is [name, base64 content]", name))
        as_text(item[0], name, max_length=255)
        total += _base64_size(item[1])
        if max_bytes is not None and total > max_bytes:
            raise MailPluginError(
                _("The attachments exceed the size limit of %s MB", round(max_bytes / 1024 / 1024, 1))
            )
    return Attachments(value, name)
