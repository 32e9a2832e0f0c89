"""Place names to ISO 3166-1 alpha-2 country codes, as English news writes them."""

import re
from functools import cache

import pycountry

_THE = re.compile(r"^the\s+", re.IGNORECASE)
# Subdivisions whose names English news uses as places on their own ("Texas", "Ontario").
SUBDIVISION_COUNTRIES = ("US", "CA", "AU")
# Names pycountry lacks or spells otherwise, and cities that mean their country in the news.
ALIASES = """
US: us, u.s., u.s.a., usa, america, washington, new york, los angeles, chicago, san francisco,
    boston, houston, miami, philadelphia, atlanta, detroit, las vegas, seattle, hollywood
GB: uk, u.k., britain, great britain, england, scotland, wales, northern ireland, london,
    manchester, edinburgh, belfast
RU: russia, moscow, st petersburg, st. petersburg; TR: turkey, istanbul, ankara
SY: syria, damascus, aleppo; KR: south korea, seoul; KP: north korea, pyongyang
CD: democratic republic of congo, democratic republic of the congo, drc; CI: ivory coast
CZ: czech republic; MK: macedonia; NL: holland, amsterdam, the hague; VA: vatican, vatican city
AE: uae, u.a.e., dubai, abu dhabi; PS: palestine, gaza, west bank; UA: kyiv, kiev
FR: paris; DE: berlin, munich, frankfurt; CN: beijing, shanghai; JP: tokyo; IN: new delhi, mumbai
IR: tehran; IQ: baghdad; EG: cairo; BE: brussels; CH: geneva, zurich; IT: rome, milan
ES: madrid, barcelona; GR: athens; AF: kabul; PK: islamabad; SA: riyadh; IL: tel aviv
CA: toronto, ottawa, montreal, vancouver; AU: sydney, melbourne, canberra; MX: mexico city
BR: rio de janeiro, sao paulo, brasilia; NG: lagos, abuja; KE: nairobi
ZA: johannesburg, cape town
"""


@cache
def country_index() -> dict[str, str]:
    """Map lower-cased country and alias names to ISO 3166-1 alpha-2 codes."""
    index: dict[str, str] = {}
    for subdivision in pycountry.subdivisions:
        if subdivision.country_code in SUBDIVISION_COUNTRIES:
            index[subdivision.name.lower()] = subdivision.country_code
    # Countries after subdivisions: "Georgia" is the country, not the US state.
    for country in pycountry.countries:
        for attribute in ("name", "official_name", "common_name"):
            if value := getattr(country, attribute, None):
                index[_THE.sub("", value.lower())] = country.alpha_2
    entries = ALIASES.replace("\n    ", " ").replace("\n", ";").split(";")
    for code, names in (entry.split(":") for entry in entries if entry.strip()):
        index.update((_THE.sub("", name.strip()), code.strip()) for name in names.split(","))
    return index
