# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Which account (company partner) a lead most likely belongs to.

Pure Python: never imports odoo. The ORM side (``crm.lead.convert.contact``)
fetches candidates and decides with these functions, so that matching is exact
on normalised values, never a loose substring.
"""

from urllib.parse import urlsplit

from .normalize import normalize_email, normalize_name

__all__ = [
    "GENERIC_EMAIL_DOMAINS",
    "company_domain",
    "email_domain",
    "is_generic_domain",
    "normalize_name",
    "website_domain",
]

#: A DNS name has at most 253 characters: anything longer is not a domain (and
#: would not fit the btree index of the stored domain keys).
MAX_DOMAIN_LENGTH = 253

# Free mail providers: their domain says nothing about the sender's company.
GENERIC_EMAIL_DOMAINS = frozenset(
    {
        "aol.com",
        "gmail.com",
        "googlemail.com",
        "gmx.com",
        "gmx.de",
        "gmx.net",
        "hotmail.com",
        "hotmail.fr",
        "hotmail.it",
        "icloud.com",
        "libero.it",
        "live.com",
        "mail.com",
        "me.com",
        "msn.com",
        "orange.fr",
        "outlook.com",
        "proton.me",
        "protonmail.com",
        "web.de",
        "yahoo.com",
        "yahoo.fr",
        "yahoo.it",
        "yandex.com",
        "zoho.com",
    }
)


def email_domain(email):
    """Lower-cased domain of an email address, or "" when there is none.

    Accepts ``"Name <user@Example.COM>"`` forms; only the first address counts.
    """
    email = normalize_email(email)
    domain = email.rsplit("@", 1)[1].strip(".") if email else ""
    return domain if len(domain) <= MAX_DOMAIN_LENGTH else ""


def website_domain(website):
    """Host of a website without ``www.``, lower-cased, or "" when there is none.

    >>> website_domain("https://WWW.Example.com/contact")
    'example.com'
    """
    if not website or not isinstance(website, str):
        return ""
    website = website.strip()
    if "//" not in website:
        website = "//" + website
    try:
        host = urlsplit(website).hostname or ""
    except ValueError:
        return ""
    host = host.strip(".").lower()
    if host.startswith("www."):
        host = host[4:]
    return host if len(host) <= MAX_DOMAIN_LENGTH else ""


def is_generic_domain(domain):
    """Whether ``domain`` belongs to a free mail provider."""
    return (domain or "").lower() in GENERIC_EMAIL_DOMAINS


def company_domain(email):
    """The lead's company domain from its email, "" for free mail providers."""
    domain = email_domain(email)
    if not domain or is_generic_domain(domain):
        return ""
    return domain
