"""The name of a contact created for an email sender.

The add-on sends the From header's display name, or, when the header has none, the address
itself. A contact named by its address is what nobody expects, so the name is then read from the
address the way a person would: ``marie-claire.dupont@…`` is "Marie-Claire Dupont". Role
mailboxes (``info@``, ``sales@``…) and local parts without letters name no person: the address
stays the name there, which is what a reader would write on the card.
"""

import re

from odoo.tools import email_normalize
from odoo.tools.mail import parse_contact_from_email

ROLE_MAILBOXES = frozenset(
    """
    abuse accounting accounts admin administrator billing booking bookings careers contact
    contacts customercare customerservice donotreply enquiries feedback finance hello help
    helpdesk hi hostmaster hr info inquiries invoice invoices jobs legal mail mailer marketing
    media news newsletter no-reply noreply notification notifications office orders postmaster
    press privacy reception reservations sales security service services shop support team
    webmaster
    """.split()
)
WORD_SEPARATORS = re.compile(r"[._]+")


def name_from_email(email):
    """The person's name an address spells, or "" when it spells none (see module doc)."""
    normalized = email_normalize(email or "") or ""
    local = normalized.partition("@")[0].partition("+")[0]
    if not local or local in ROLE_MAILBOXES or not re.search(r"[a-z]", local):
        return ""
    words = [word.strip("-") for word in WORD_SEPARATORS.split(local)]
    words = [word for word in words if word and re.search(r"[a-z]", word)]
    return " ".join("-".join(part.capitalize() for part in word.split("-")) for word in words)


def contact_name(name, email):
    """The name a new contact gets: the given one, unless it is empty or only the address;
    then the one its address spells; else the address.

    A name given in the address's display form (``"Bob" <bob@…>``) gives its display part.
    """
    name = (name or "").strip()
    normalized = email_normalize(email or "") or (email or "").strip()
    if name and email_normalize(name) == normalized:
        name = parse_contact_from_email(name)[0].strip()
    if name and name.strip("<>\"' ").lower() != normalized.lower():
        return name
    return name_from_email(normalized) or normalized
