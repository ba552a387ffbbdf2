# Copyright 2026 crm_sync authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Reference data and Danish demo customers of the fake e-conomic agreement."""

import random

AGREEMENT_NUMBER = 123456

CUSTOMER_GROUPS = {
    1: "Indenlandske kunder",
    2: "EU-kunder",
    3: "Udenlandske kunder",
}
PAYMENT_TERMS = {
    1: ("Netto 8 dage", 8, "net"),
    2: ("Netto 30 dage", 30, "net"),
    3: ("Løbende måned + 30 dage", 30, "invoiceMonth"),
}
VAT_ZONES = {1: "Domestic", 2: "EU", 3: "Abroad", 4: "Domestic exempt VAT"}
CURRENCIES = {
    "DKK": (208, "Danske kroner"),
    "EUR": (978, "Euro"),
    "SEK": (752, "Svenske kroner"),
    "NOK": (578, "Norske kroner"),
    "USD": (840, "Amerikanske dollar"),
    "GBP": (826, "Britiske pund"),
}

_FIRST = (
    "Anders Mette Søren Lone Jens Hanne Lars Pia Niels Kirsten Morten Camilla "
    "Rasmus Ida Mads Signe Henrik Louise Jørgen Birgitte Frederik Astrid"
).split()
_LAST = (
    "Jensen Nielsen Hansen Pedersen Andersen Christensen Larsen Sørensen "
    "Rasmussen Jørgensen Petersen Madsen Kristensen Olsen Thomsen Møller"
).split()
_WORDS = (
    "Nordisk Fjord Havne Bøge Lyng Skov Strand Vestjysk Østjysk Fyns Sjællands "
    "Klit Kyst Møllebakke Engvang Solsikke Hvidbjerg Rønne Limfjords Dansk"
).split()
_TRADES = (
    "Tømrer VVS El-service Rådgivning Logistik Bageri Maskinfabrik Revision "
    "Byg Transport Handel Design Data Energi Gartneri Trykkeri"
).split()
_SUFFIXES = ("ApS", "A/S", "I/S", "K/S", "IVS")
_STREETS = (
    "Vestergade Nørregade Østergade Søndergade Algade Bredgade Strandvejen "
    "Skolevej Kirkevej Industrivej Havnegade Møllevej Engvej Parkvej"
).split()
_CITIES = (
    ("1050", "København K"),
    ("2100", "København Ø"),
    ("2800", "Kongens Lyngby"),
    ("4000", "Roskilde"),
    ("5000", "Odense C"),
    ("6700", "Esbjerg"),
    ("7100", "Vejle"),
    ("8000", "Aarhus C"),
    ("8600", "Silkeborg"),
    ("9000", "Aalborg"),
    ("3700", "Rønne"),
    ("6000", "Kolding"),
)
_COUNTRIES = ("Danmark", "Denmark", "DK", "Danmark", "Danmark")


def render_root(base):
    names = (
        "customers",
        "customer-groups",
        "payment-terms",
        "vat-zones",
        "currencies",
        "self",
    )
    return {
        "resources": [
            {"name": n, "href": f"{base}/{n}", "state": "stable"} for n in names
        ],
        "self": base + "/",
    }


def render_self(base):
    return {
        "agreementNumber": AGREEMENT_NUMBER,
        "agreementType": {"agreementTypeNumber": 1, "name": "denmark"},
        "userName": "Fake e-conomic",
        "signupDate": "2020-01-01",
        "company": {
            "name": "Demo Regnskab ApS",
            "addressLine1": "Vestergade 1",
            "zip": "8000",
            "city": "Aarhus C",
            "country": "Danmark",
            "companyIdentificationNumber": "12345678",
        },
        "settings": {"baseCurrency": "DKK"},
        "application": {
            "appNumber": 1,
            "name": "crm_sync fake",
            "appPublicToken": "fake-public",
            "requiredRoles": [{"roleNumber": 1, "name": "SuperUser"}],
            "self": f"{base}/apps/1",
        },
        "user": {
            "loginId": "fake",
            "name": "Fake e-conomic",
            "email": "fake@example.com",
            "agreementNumber": AGREEMENT_NUMBER,
            "language": {
                "languageNumber": 1,
                "name": "Danish",
                "culture": "da-DK",
                "self": f"{base}/languages/1",
            },
        },
        "modules": [{"moduleNumber": 1, "name": "Sales", "self": f"{base}/modules/1"}],
        "self": f"{base}/self",
    }


def render_groups(base):
    return [
        {
            "customerGroupNumber": n,
            "name": name,
            "account": {
                "accountNumber": 5600 + n,
                "self": f"{base}/accounts/{5600 + n}",
            },
            "customers": f"{base}/customer-groups/{n}/customers",
            "self": f"{base}/customer-groups/{n}",
        }
        for n, name in CUSTOMER_GROUPS.items()
    ]


def render_terms(base):
    return [
        {
            "paymentTermsNumber": n,
            "name": name,
            "daysOfCredit": days,
            "paymentTermsType": kind,
            "self": f"{base}/payment-terms/{n}",
        }
        for n, (name, days, kind) in PAYMENT_TERMS.items()
    ]


def render_zones(base):
    return [
        {
            "vatZoneNumber": n,
            "name": name,
            "enabledForCustomer": True,
            "enabledForSupplier": n != 4,
            "self": f"{base}/vat-zones/{n}",
        }
        for n, name in VAT_ZONES.items()
    ]


def render_currencies(base):
    return [
        {
            "code": code,
            "isoNumber": str(iso),
            "name": name,
            "self": f"{base}/currencies/{code}",
        }
        for code, (iso, name) in CURRENCIES.items()
    ]


def _unique_name(rng, index, used):
    """A company name not in ``used`` (real agreements rarely repeat one)."""
    suffix = rng.choice(_SUFFIXES)
    name = f"{rng.choice(_WORDS)} {rng.choice(_TRADES)} {suffix}"
    for _attempt in range(5):
        if name not in used:
            break
        name = (
            f"{rng.choice(_LAST)}s {rng.choice(_WORDS)} {rng.choice(_TRADES)} {suffix}"
        )
    else:
        name = f"{rng.choice(_WORDS)} {rng.choice(_TRADES)} {index} {suffix}"
    used.add(name)
    return name


def demo_customer(rng, index, used=None):
    """One Danish demo customer (writable fields), reproducible from ``rng``;
    ``used`` (a set) keeps names and CVR numbers unique across calls."""
    used = set() if used is None else used
    name = _unique_name(rng, index, used)
    cvr = str(rng.randint(10000000, 99999999))
    while cvr in used:
        cvr = str(rng.randint(10000000, 99999999))
    used.add(cvr)
    slug = "".join(c for c in name.lower() if c.isalnum())[:20] + str(index)
    zip_code, city = rng.choice(_CITIES)
    customer = {
        "name": name,
        "currency": "DKK",
        "customerGroup": {"customerGroupNumber": 1},
        "paymentTerms": {"paymentTermsNumber": rng.choice((1, 2))},
        "vatZone": {"vatZoneNumber": 1},
        "address": f"{rng.choice(_STREETS)} {rng.randint(1, 120)}",
        "zip": zip_code,
        "city": city,
        "country": rng.choice(_COUNTRIES),
        "email": f"faktura@{slug}.dk",
        "telephoneAndFaxNumber": "+45 "
        + " ".join(f"{rng.randint(10, 99)}" for _i in range(4)),
        "corporateIdentificationNumber": cvr,
        "website": f"https://www.{slug}.dk",
    }
    if rng.random() < 0.3:
        customer["mobilePhone"] = f"+45 {rng.randint(20000000, 29999999)}"
    if rng.random() < 0.1:
        customer["address"] += f"\n{rng.randint(1, 4)}. sal"
    return customer


def demo_contact(rng, domain):
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    return {
        "name": f"{first} {last}",
        "email": f"{first.lower()}.{last.lower()}@{domain}".replace("ø", "oe")
        .replace("æ", "ae")
        .replace("å", "aa"),
        "phone": f"+45 {rng.randint(30000000, 99999999)}",
    }


def demo_customers(count, contacts_per_customer=2, seed=1):
    """``[(customer, [contact, ...]), ...]``: ``count`` Danish customers."""
    rng = random.Random(seed)
    result, used = [], set()
    for index in range(count):
        customer = demo_customer(rng, index, used)
        domain = customer["email"].split("@", 1)[1]
        contacts = [demo_contact(rng, domain) for _i in range(contacts_per_customer)]
        result.append((customer, contacts))
    return result
