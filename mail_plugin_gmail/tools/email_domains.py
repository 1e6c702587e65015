"""Mail domains: which ones name a company, and how a company is found from a sender's address.

Kept free of Odoo's ``iap`` module on purpose (this module does not depend on it). The same
rules exist in SQL in ``res_partner._mail_plugin_fill_email_domain`` for the install-time fill;
change both together.
"""

import re

# Free mail providers: an address there says nothing about the sender's company.
PUBLIC_DOMAINS = frozenset(
    """
    126.com 163.com aim.com att.net bellsouth.net bigpond.com bluewin.ch bol.com.br btinternet.com
    comcast.net cox.net daum.net duck.com earthlink.net email.com fastmail.com free.fr freenet.de
    gmx.com hanmail.net hey.com hushmail.com inbox.com juno.com laposte.net libero.it mac.com
    mail.com mail.ru me.com naver.com netzero.net o2.pl onet.pl optonline.net orange.fr pm.me
    proton.me qq.com rediffmail.com rocketmail.com rogers.com sbcglobal.net seznam.cz sfr.fr
    shaw.ca sina.com skynet.be sohu.com t-online.de telenet.be terra.com.br tuta.io tutanota.com
    uol.com.br verizon.net virgilio.it wanadoo.fr web.de wp.pl yeah.net zoho.com zohomail.com
    """.split()
)
# Providers present under many country endings (yahoo.fr, hotmail.co.uk, gmx.de...): matched on
# the first label of the domain.
PUBLIC_LABELS = frozenset(
    """
    aol gmail googlemail gmx hotmail icloud live msn outlook protonmail windowslive yahoo yandex
    ymail
    """.split()
)
# Second-level labels under which the company name is the label before (acme.co.uk).
SECOND_LEVEL_LABELS = frozenset("ac co com edu gov gv ne net or org".split())

# scheme://www.host[:port]/... -> host ; mirrored by the SQL fill (POSIX regex, same groups).
WEBSITE_HOST_PATTERN = r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*://)?(?:www\.)?([^/:?#@[:space:]]+)"
_WEBSITE_HOST = re.compile(WEBSITE_HOST_PATTERN.replace("[:space:]", r"\s"))


def is_public_domain(domain):
    return domain in PUBLIC_DOMAINS or domain.split(".", 1)[0] in PUBLIC_LABELS


def email_domain(email_normalized):
    """The domain of an already normalized address, or ''."""
    if not email_normalized or "@" not in email_normalized:
        return ""
    return email_normalized.rpartition("@")[2].lower()


def website_domain(website):
    if not website:
        return ""
    match = _WEBSITE_HOST.match(website.strip())
    return match.group(1).lower() if match else ""


def company_domain(email_normalized, website):
    """The domain that identifies a company: its email's, else its website's; never a public one."""
    for domain in (email_domain(email_normalized), website_domain(website)):
        if "." in domain and not is_public_domain(domain):
            return domain
    return False


def sender_domains(email_normalized):
    """Domains a sender's company may be registered under, most specific first.

    ``jane@eu.mail.acme.co.uk`` -> ``eu.mail.acme.co.uk``, ``mail.acme.co.uk``, ``acme.co.uk``.
    Empty for a public provider.
    """
    domain = email_domain(email_normalized)
    if "." not in domain or is_public_domain(domain):
        return []
    labels = domain.split(".")
    candidates = []
    for start in range(len(labels) - 1):
        rest = labels[start:]
        if len(rest) == 2 and rest[0] in SECOND_LEVEL_LABELS and candidates:
            break  # "co.uk" is nobody's company
        candidates.append(".".join(rest))
    return candidates[:4]


def name_from_domain(domain):
    """A readable company name guessed from a domain: ``acme-tools.co.uk`` -> ``Acme Tools``."""
    labels = [label for label in domain.lower().split(".") if label]
    if labels and labels[0] == "www":
        labels = labels[1:]
    if not labels:
        return domain
    if len(labels) >= 3 and labels[-2] in SECOND_LEVEL_LABELS:
        label = labels[-3]
    elif len(labels) >= 2:
        label = labels[-2]
    else:
        label = labels[0]
    words = re.split(r"[-_]+", label)
    return " ".join(word.capitalize() for word in words if word) or domain
