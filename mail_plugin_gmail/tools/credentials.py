"""The add-on's credentials: the API key scope they carry and the digest they are kept as."""

import hashlib

# Scope of the API keys handed to mail add-ons; Odoo's own module and the add-ons use it.
PLUGIN_SCOPE = "odoo.plugin.outlook"


def secret_digest(secret):
    """What is stored of an access token or a sign-in code, and what they are looked up by.

    Both are long random secrets, so one SHA-256 is a sound verifier; Odoo's API key hash
    (PBKDF2) is built for low-entropy passwords and costs ~10 ms.
    """
    return hashlib.sha256(secret.encode()).hexdigest()
