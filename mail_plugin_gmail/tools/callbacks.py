"""Sign-in callbacks parsed as URLs: what a callback may look like, and the grammar of the
patterns an administrator allows (used by the consent page, the setting and the set-up guide)."""

import re
from urllib.parse import urlsplit

from odoo import _

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
