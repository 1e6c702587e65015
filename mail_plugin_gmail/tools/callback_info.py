"""Where a sign-in code would go, in words a user or an administrator can act on.

The name an add-on gives itself (``friendlyname``) is chosen by whoever built the link; the
callback's host is what decides who receives the code, so the sign-in pages show it.
"""

import re
from urllib.parse import urlsplit

from .callbacks import split_callback

# Google Apps Script's OAuth callback: the add-on's script id is the only variable part.
APPS_SCRIPT_CALLBACK = re.compile(
    r"^https://script\.google\.com/macros/d/(?P<script_id>[A-Za-z0-9_-]{10,200})/usercallback$"
)


def describe_callback(redirect):
    """A dict describing ``redirect``:

    - ``kind``: ``"database"`` (no callback: this database's own success page),
      ``"apps_script"`` (a Google Apps Script project; ``script_id`` set) or ``"web"``;
    - ``host`` (with a non-default port) and ``path``;
    - ``allow_value``: the exact entry an administrator would add to the allowed callbacks
      (scheme, host and path, without query or fragment), or ``""`` when no entry can allow
      it (not HTTPS, a user name, a query or a fragment: see ``split_callback``).
    """
    if not redirect:
        return {"kind": "database", "host": "", "path": "", "script_id": "", "allow_value": ""}
    match = APPS_SCRIPT_CALLBACK.match(redirect)
    if match:
        return {
            "kind": "apps_script",
            "host": "script.google.com",
            "path": urlsplit(redirect).path,
            "script_id": match["script_id"],
            "allow_value": "",
        }
    try:
        parts = urlsplit(redirect)
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        parts, host, port = None, "", None
    if not parts or not host:
        return {"kind": "web", "host": "", "path": "", "script_id": "", "allow_value": ""}
    if port and port != {"https": 443, "http": 80}.get(parts.scheme.lower()):
        host = f"{host}:{port}"
    path = parts.path or "/"
    # Only a callback the allow-list grammar can match gets a value to paste.
    allowable = split_callback(redirect) is not None
    return {
        "kind": "web",
        "host": host,
        "path": path,
        "script_id": "",
        "allow_value": f"https://{host}{path}" if allowable else "",
    }
