"""Injection attempts at every parameter of every search endpoint, against a real Meilisearch.

Filters are built from an allow-list of fields with quoted, escaped values
(shared/contracts/filters.py).
Each parameter gets the same payloads: filter syntax smuggled in quotes, lone quotes and
backslashes, very long values, control characters, odd unicode. A parameter with a pattern,
an enum or a range must answer 422 naming itself; any other must answer with only what its
filter asked for. Nothing may answer 5xx. The seeded documents carry the payloads themselves
as sources, themes and entity names, so a value that loses an escape matches something else.
"""

import unicodedata
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol
from urllib.parse import quote, unquote, urlencode

import meilisearch
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from services.search.settings import Settings
from shared.contracts.index_schema import ENTITY_FIELDS, stories_index_uid
from tests.fixtures.search import search_api, seed_indexes
from tests.fixtures.servers import MeiliServer

Doc = dict[str, Any]
DAY = 86_400
T0 = 1_394_400_000  # 2014-03-09T21:20:00Z
ECON, SPORT = "economy-business-and-finance", "sport"
UNPROCESSABLE, NOT_FOUND, OK = frozenset({422}), frozenset({404, 422}), frozenset({200})
OK_OR_422 = frozenset({200, 422})


def hx(n: int) -> str:
    return f"{n:024x}"


# Thrown at every parameter. Label -> value.
PAYLOADS: dict[str, str] = {
    "or-injection": 'x" OR source = "y',
    "ap-or-reuters": 'AP" OR source = "Reuters',
    "or-exists": 'x" OR source EXISTS OR source = "',
    "or-in": 'x" OR source IN ["AP", "Reuters"] OR source = "',
    "or-not": 'x" OR NOT source = "',
    "close-paren": 'x") OR (source EXISTS',
    "entity-or": 'Fed" OR entities.name = "Janet Yellen',
    "quote": '"',
    "backslash": "\\",
    "escaped-quote": '\\"',
    "trailing-backslash": "AP\\",
    "backslash-quote-or": 'AP\\" OR source = \\"Reuters',
    "sql-comment": "' OR 1=1 --",
    "paren-exists": ") OR (id EXISTS",
    "bare-filter": "source = AP",
    "quotes-200": '"' * 200,
    "backslashes-200": "\\" * 200,
    "long-10k": "A" * 10_000,
    "quotes-10k": '"' * 10_000,
    "nul": "AP\x00",
    "nul-or": 'AP\x00" OR source = "Reuters',
    "unit-separator": "\x1f",
    "crlf": "AP\r\nsource = Reuters",
    "rtl-mark": "\u200fAP",
    "emoji": "AP \U0001f4f0",
    "star": "*",
    "pct-00": "%00",
}

# Payloads some seeded documents carry as source, theme and entity name (weird_doc below).
SEEDED_VALUES = [
    'AP" OR source = "Reuters',
    'x" OR source = "y',
    'Fed" OR entities.name = "Janet Yellen',
    '"',
    "\\",
    '\\"',
    "AP\\",
    'AP\\" OR source = \\"Reuters',
    "' OR 1=1 --",
    ") OR (id EXISTS",
    "source = AP",
    '"' * 200,
    "\\" * 200,
    "*",
    "%00",
    "\u200fAP",
    "AP \U0001f4f0",
]


def article(n: int, source: str, day: int, **extra: Any) -> Doc:
    doc = {
        "id": hx(n),
        "title": f"Fed article {n}",
        "body": f"The Fed and markets, part {n}.",
        "url": f"https://news.example/{n}",
        "source": source,
        "published_at": None,
        "published_ts": T0 + day * DAY,
        "language": "en",
        "themes": [],
        "entities": [],
        "_vectors": {"article": None},
        **extra,
    }
    # As indexing writes them: the names of each entity type in a field of their own.
    for kind, name_field in ENTITY_FIELDS.items():
        doc[name_field] = [e["name"] for e in doc["entities"] if e["type"] == kind]
    return doc


def weird_doc(n: int, value: str) -> Doc:
    return article(
        n,
        value,
        n % 5,
        themes=[value],
        primary_theme=value,
        entities=[{"name": value, "type": "place"}],
    )


STORY_1, STORY_2 = 101, 102
ARTICLES: list[Doc] = [
    article(
        1,
        "AP",
        0,
        themes=[ECON],
        primary_theme=ECON,
        story_id=hx(STORY_1),
        entities=[
            {"name": "Janet Yellen", "type": "person"},
            {"name": "Fed", "type": "organisation"},
        ],
        related=[{"id": hx(2), "score": 0.9, "same_story": True, "reasons": ["same story"]}],
    ),
    article(
        2,
        "Reuters",
        1,
        language="de",
        themes=[ECON],
        primary_theme=ECON,
        story_id=hx(STORY_1),
        entities=[{"name": "Fed", "type": "organisation"}],
    ),
    article(
        3,
        "Reuters",
        2,
        themes=[SPORT],
        primary_theme=SPORT,
        story_id=hx(STORY_2),
        entities=[{"name": "Lionel Messi", "type": "person"}],
    ),
    article(
        4,
        "AP",
        3,
        language="fr",
        themes=[SPORT],
        primary_theme=SPORT,
        entities=[{"name": "Rio", "type": "place"}],
    ),
    *(weird_doc(10 + i, value) for i, value in enumerate(SEEDED_VALUES)),
]
STORIES: list[Doc] = [
    {
        "id": hx(STORY_1),
        "title": "Fed holds rates",
        "first_seen_ts": T0,
        "last_seen_ts": T0 + DAY,
        "article_count": 2,
        "sources": ["AP", "Reuters"],
        "primary_theme": ECON,
        "themes": [ECON],
    },
    {
        "id": hx(STORY_2),
        "title": "Cup final",
        "first_seen_ts": T0 + 2 * DAY,
        "last_seen_ts": T0 + 2 * DAY,
        "article_count": 1,
        "sources": ['AP" OR sources = "Reuters'],
        "primary_theme": SPORT,
        "themes": [SPORT, 'sport" OR themes = "economy-business-and-finance'],
    },
]
SEED: dict[str, Doc] = {doc["id"]: doc for doc in [*ARTICLES, *STORIES]}


def entity_named(doc: Doc, name: str, kind: str | None = None) -> bool:
    return any(
        e.get("name") == name and (kind is None or e.get("type") == kind)
        for e in doc.get("entities") or []
    )


# What every item returned must satisfy: (the value sent, the item joined with its seed).
Keeps = Callable[[str, Doc], bool]


@dataclass(frozen=True)
class Param:
    """One parameter of one endpoint, and what any value in it may make the endpoint do."""

    route: str  # as in the OpenAPI schema
    name: str
    # validated: pattern, enum, number or date, so every payload is refused with 422.
    # free: any string up to max_length, so the answer holds only what its filter asked for.
    kind: Literal["validated", "free"]
    valid: str  # a value that works and returns something: shows `keeps` is not vacuous
    where: Literal["query", "path"] = "query"
    max_length: int | None = None
    path: Mapping[str, str] = field(default_factory=dict)  # the route's other path values
    query: Mapping[str, str] = field(default_factory=dict)  # sent alongside, e.g. a filter
    keeps: Keeps | None = None
    # More values for this parameter alone: value -> the statuses it may get.
    extra: Mapping[str, frozenset[int]] = field(default_factory=dict)

    @property
    def label(self) -> str:
        base = f"{self.route.strip('/')}:{self.name}"
        return base + "+" + "+".join(self.query) if self.query else base

    def url(self, value: str) -> str:
        values = {**self.path, **({self.name: value} if self.where == "path" else {})}
        return self.route.format(**{k: quote(v, safe="") for k, v in values.items()})

    def seen(self, value: str) -> str:
        """The value the app receives: TestClient decodes a path twice (%2500 -> NUL)."""
        return unquote(value) if self.where == "path" else value

    def params(self, value: str) -> dict[str, str]:
        return {**self.query, **({self.name: value} if self.where == "query" else {})}

    def allowed(self, value: str) -> frozenset[int]:
        if value == self.valid:
            return OK
        if value in self.extra:
            return self.extra[value]
        if self.kind == "validated":
            return UNPROCESSABLE if self.where == "query" else NOT_FOUND
        if self.max_length is not None and len(value) > self.max_length:
            return UNPROCESSABLE
        return OK if self.where == "query" else frozenset({200, 404})


A1 = {"article_id": hx(1)}
DATES = {
    "0001-01-01T00:00:00+23:59": OK_OR_422,
    "9999-12-31T23:59:59-23:59": OK_OR_422,
    "9999-12-31": OK_OR_422,
    "99999999999999999999": OK_OR_422,
    "-99999999999999999999": OK_OR_422,
    "1e308": OK_OR_422,
    "nan": OK_OR_422,
    "inf": OK_OR_422,
    "2014-03-10\n": UNPROCESSABLE,
    "2014-02-30": UNPROCESSABLE,
}
NUMBERS = {
    "1e3": UNPROCESSABLE,
    "0x10": UNPROCESSABLE,
    "1.5": UNPROCESSABLE,
    "99999999999999999999999": UNPROCESSABLE,
    "-1": UNPROCESSABLE,
    "nan": UNPROCESSABLE,
    "1\n": OK_OR_422,
    " 1": OK_OR_422,
    "+1": OK_OR_422,
}
SLUGS = {
    "sport\n": NOT_FOUND,
    "SPORT": NOT_FOUND,
    "a" * 101: NOT_FOUND,
    "sport%2F..%2F..%2Fhealth": NOT_FOUND,
}
# Seeded (hx(1)) and missing (hx(0xABCDEF)) ids, a character off.
HEX = hx(0xABCDEF)
IDS = {
    HEX.upper(): NOT_FOUND,
    hx(1) + "0": NOT_FOUND,
    hx(1)[1:]: NOT_FOUND,
    hx(1) + "\n": NOT_FOUND,
    " " + hx(1): NOT_FOUND,
    hx(99): frozenset({404}),
}


def search(name: str, kind: Literal["validated", "free"], valid: str, **more: Any) -> Param:
    return Param("/search", name, kind, valid, **more)


SEARCH_PARAMS = [
    search("q", "free", "fed", max_length=500),
    # q is full text, not a filter: with a filter next to it, the filter still holds.
    search(
        "q",
        "free",
        "fed",
        max_length=500,
        query={"source": "AP"},
        keeps=lambda _, doc: doc["source"] == "AP",
    ),
    search(
        "theme",
        "free",
        ECON,
        max_length=200,
        keeps=lambda value, doc: value in doc["themes"],
    ),
    search(
        "source",
        "free",
        "AP",
        max_length=200,
        keeps=lambda value, doc: doc["source"] == value,
    ),
    # Two filters: a payload that closes its clause's parentheses must not escape the AND.
    search(
        "source",
        "free",
        "AP",
        max_length=200,
        query={"theme": SPORT},
        keeps=lambda value, doc: doc["source"] == value and SPORT in doc["themes"],
    ),
    search(
        "entity",
        "free",
        "Fed",
        max_length=200,
        keeps=lambda value, doc: entity_named(doc, value),
    ),
    search(
        "entity",
        "free",
        "Fed",
        max_length=200,
        query={"entity_type": "organisation", "language": "de"},
        keeps=lambda value, doc: (
            entity_named(doc, value, "organisation") and doc["language"] == "de"
        ),
    ),
    search(
        "entity_type",
        "validated",
        "person",
        keeps=lambda value, doc: any(e["type"] == value for e in doc["entities"]),
        extra={"Person": UNPROCESSABLE, "person\x00": UNPROCESSABLE, "person ": UNPROCESSABLE},
    ),
    search(
        "language",
        "validated",
        "de",
        keeps=lambda value, doc: doc["language"] == value,
        extra={"en\n": UNPROCESSABLE, "EN": UNPROCESSABLE, "e": UNPROCESSABLE},
    ),
    search(
        "story",
        "validated",
        hx(STORY_1),
        keeps=lambda value, doc: doc.get("story_id") == value,
        extra=dict.fromkeys(IDS, UNPROCESSABLE) | {hx(99): OK},
    ),
    search("since", "validated", "2014-03-10", extra=DATES),
    search("until", "validated", "2014-03-10T12:00:00Z", extra=DATES),
    search(
        "sort", "validated", "recent", extra={"RECENT": UNPROCESSABLE, "recent\n": UNPROCESSABLE}
    ),
    search(
        "semantic_ratio",
        "validated",
        "0.5",
        extra={
            "nan": UNPROCESSABLE,
            "inf": UNPROCESSABLE,
            "-inf": UNPROCESSABLE,
            "1.0000001": UNPROCESSABLE,
            "-0": OK,
            "1e-400": OK,
            "0x1p-1": OK_OR_422,
            "0,5": UNPROCESSABLE,
        },
    ),
    # The query embedded (hybrid search): the filter still holds.
    search(
        "q",
        "free",
        "fed",
        max_length=500,
        query={"semantic_ratio": "0.5", "source": "AP"},
        keeps=lambda _, doc: doc["source"] == "AP",
    ),
    search("limit", "validated", "1", extra=NUMBERS),
    search("offset", "validated", "1", extra=NUMBERS),
]
THEME_PARAMS = [
    Param("/themes", "level", "validated", "1", keeps=lambda value, theme: theme["level"] == 1),
    Param(
        "/themes/{slug}/articles",
        "slug",
        "validated",
        SPORT,
        where="path",
        keeps=lambda value, doc: value in doc["themes"],
        extra=SLUGS,
    ),
    Param("/themes/{slug}/articles", "limit", "validated", "1", path={"slug": ECON}, extra=NUMBERS),
    Param(
        "/themes/{slug}/articles", "offset", "validated", "1", path={"slug": ECON}, extra=NUMBERS
    ),
]
STORY_PARAMS = [
    Param(
        "/stories",
        "theme",
        "validated",
        SPORT,
        keeps=lambda value, story: value in story["themes"],
        extra={"sport\n": UNPROCESSABLE, "a" * 101: UNPROCESSABLE, "SPORT": UNPROCESSABLE},
    ),
    Param("/stories", "since", "validated", "2014-03-01", extra=DATES),
    Param("/stories", "limit", "validated", "1", extra=NUMBERS),
    Param("/stories", "offset", "validated", "1", extra=NUMBERS),
    Param(
        "/stories/{story_id}",
        "story_id",
        "validated",
        hx(STORY_1),
        where="path",
        keeps=lambda value, doc: doc.get("story_id") == value,
        extra=IDS,
    ),
    Param(
        "/stories/{story_id}",
        "limit",
        "validated",
        "1",
        path={"story_id": hx(STORY_1)},
        extra=NUMBERS,
    ),
]
ARTICLE_PARAMS = [
    Param(
        "/articles/{article_id}",
        "article_id",
        "validated",
        hx(1),
        where="path",
        keeps=lambda value, doc: doc["id"] == value,
        extra=IDS,
    ),
    Param(
        "/articles/{article_id}/related",
        "article_id",
        "validated",
        hx(1),
        where="path",
        keeps=lambda value, doc: doc["id"] != value,
        extra=IDS,
    ),
    Param("/articles/{article_id}/related", "limit", "validated", "1", path=A1, extra=NUMBERS),
    Param(
        "/articles/{article_id}/more-on-theme",
        "article_id",
        "validated",
        hx(1),
        where="path",
        keeps=lambda value, doc: doc["id"] != value and doc.get("primary_theme") == ECON,
        extra=IDS,
    ),
    Param(
        "/articles/{article_id}/more-on-theme", "limit", "validated", "1", path=A1, extra=NUMBERS
    ),
]

ENTITY_NAMES = {(e["name"], e["type"]) for doc in ARTICLES for e in doc["entities"]}
ENTITY_ROUTE = "/entities/{type}/{name}/articles"
# /entities (name suggestions by prefix) and an entity's articles. `name` takes slashes (a
# `:path` parameter), so traversal-looking names are names like any other: 404, not 5xx.
ENTITY_PARAMS = [
    # Suggestions are seeded entity names only: never another field's values.
    Param(
        "/entities",
        "q",
        "free",
        "fe",
        max_length=100,
        keeps=lambda _, entity: (entity["name"], entity["type"]) in ENTITY_NAMES,
    ),
    Param(
        "/entities",
        "q",
        "free",
        "fe",
        max_length=100,
        query={"type": "organisation"},
        keeps=lambda _, entity: (
            (entity["name"], entity["type"]) in ENTITY_NAMES and entity["type"] == "organisation"
        ),
    ),
    Param(
        "/entities",
        "type",
        "validated",
        "person",
        keeps=lambda value, entity: entity["type"] == value,
        extra={"Person": UNPROCESSABLE, "person\n": UNPROCESSABLE, "people": UNPROCESSABLE},
    ),
    Param("/entities", "limit", "validated", "1", extra=NUMBERS),
    Param(
        ENTITY_ROUTE,
        "type",
        "validated",
        "organisation",
        where="path",
        path={"name": "Fed"},
        keeps=lambda value, doc: entity_named(doc, "Fed", value),
        extra={"Organisation": NOT_FOUND, "organisation\n": NOT_FOUND, "people": NOT_FOUND},
    ),
    # Seeded places carry the payloads as names: each is found as written, and only it.
    Param(
        ENTITY_ROUTE,
        "name",
        "free",
        "Rio",
        where="path",
        max_length=200,
        path={"type": "place"},
        keeps=lambda value, doc: entity_named(doc, value, "place"),
        extra={
            "": NOT_FOUND,
            "../x": frozenset({404}),
            "../../health": frozenset({404}),
            "Rio/articles": frozenset({404}),
            "%2e%2e": frozenset({404}),
        },
    ),
    Param(
        ENTITY_ROUTE,
        "limit",
        "validated",
        "1",
        path={"type": "organisation", "name": "Fed"},
        extra=NUMBERS,
    ),
    Param(
        ENTITY_ROUTE,
        "offset",
        "validated",
        "1",
        path={"type": "organisation", "name": "Fed"},
        extra=NUMBERS,
    ),
]
# Every parameter this module attacks. Extend it as endpoints are added:
# test_every_parameter_is_covered fails until every parameter of the API is in here.
PARAMS = [*SEARCH_PARAMS, *THEME_PARAMS, *STORY_PARAMS, *ARTICLE_PARAMS, *ENTITY_PARAMS]
# Endpoints without parameters: nothing to inject.
NO_PARAMETERS = frozenset({"/pipeline", "/health"})


@pytest.fixture(scope="module")
def api(redis_server: str, meili_server: MeiliServer) -> Iterator[TestClient]:
    """The search API over an articles index and a stories index seeded once for the module."""
    uid = f"test_inj_{uuid.uuid4().hex[:10]}"
    settings = Settings(
        environment="test",
        redis_url=redis_server,
        meili_url=meili_server.url,
        meili_key=SecretStr(meili_server.master_key),
        meili_index=uid,
        namespace=f"{uid}:",
        log_format="json",
        semantic=True,  # hybrid queries go through the same checks
    )
    client = meilisearch.Client(meili_server.url, meili_server.master_key)
    seed_indexes(client, settings, ARTICLES, STORIES)
    try:
        with search_api(settings, raise_server_exceptions=False) as test_client:
            yield test_client
    finally:
        client.delete_index(uid)
        client.delete_index(stories_index_uid(uid))


class Reply(Protocol):
    """What the checks read of a test client's response."""

    @property
    def status_code(self) -> int: ...
    @property
    def text(self) -> str: ...
    def json(self) -> Any: ...


LIST_KEYS = ("hits", "articles", "items", "stories", "related", "entities", "themes")


def returned(body: Any) -> list[Doc]:
    """The items of a response: its list, or the response itself when it is one document."""
    if not isinstance(body, dict):
        return []
    if "id" in body:
        return [body]
    for key in LIST_KEYS:
        if isinstance(body.get(key), list):
            return [item for item in body[key] if isinstance(item, dict)]
    return []


def problems(param: Param, value: str, response: Reply) -> list[str]:
    """What is wrong with the response to `value` in `param`; empty when nothing is."""
    status = response.status_code
    allowed = param.allowed(value)
    if status >= 500 or status not in allowed:
        return [f"status {status}, expected one of {sorted(allowed)}: {response.text[:300]}"]
    body = response.json()
    if status == 422:
        loc = [param.where, param.name]
        detail = body.get("detail") if isinstance(body, dict) else None
        # A union (datetime | date) adds the member to the location: ["query", "since", "date"].
        reasons = [
            e
            for e in detail or []
            if isinstance(e, dict) and e.get("loc", [])[:2] == loc and isinstance(e.get("msg"), str)
        ]
        if not reasons or not all(e["msg"].strip() for e in reasons):
            return [f"422 without a reason for {loc}: {response.text[:300]}"]
        return []
    if status != 200:
        return []
    found = []
    for item in returned(body):
        seeded = SEED.get(item.get("id", ""), {}) if "id" in item else {}
        if "id" in item and not seeded:
            found.append(f"returned {item['id']}, which was never seeded")
        elif param.keeps is not None and not param.keeps(param.seen(value), {**seeded, **item}):
            found.append(f"returned {item.get('id', item)} outside the filter")
    if isinstance(body, dict) and param.name == "source" and not param.query:
        outside = set(body.get("facets", {}).get("sources", {})) - {value}
        if outside:
            found.append(f"facets count sources outside the filter: {sorted(outside)}")
    return found


def attack(api: TestClient, param: Param, values: Mapping[str, str]) -> list[str]:
    """Send every value; return what went wrong, one line per request."""
    failures = []
    for label, value in values.items():
        url = param.url(value)
        response = api.get(url, params=param.params(value))
        shown = f"{url}?{urlencode(param.params(value))}"[:300]
        failures += [
            f"{param.label} [{label}] GET {shown}: {p}" for p in problems(param, value, response)
        ]
    return failures


@pytest.mark.parametrize("param", PARAMS, ids=lambda p: p.label)
def test_payloads_get_a_422_with_the_reason_or_only_what_the_filter_asked_for(
    api: TestClient, param: Param
) -> None:
    failures = attack(api, param, PAYLOADS | {repr(v): v for v in param.extra})
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("param", PARAMS, ids=lambda p: p.label)
def test_a_valid_value_returns_something_that_keeps_the_filter(
    api: TestClient, param: Param
) -> None:
    response = api.get(param.url(param.valid), params=param.params(param.valid))
    assert response.status_code == 200, response.text
    assert problems(param, param.valid, response) == []
    if param.keeps is not None:
        assert returned(response.json()), "the valid value found nothing: the test is vacuous"


SEEDED_IN = [
    *(p for p in SEARCH_PARAMS if p.name in {"source", "theme", "entity"} and not p.query),
    search(
        "entity",
        "free",
        "Rio",
        max_length=200,
        query={"entity_type": "place"},
        keeps=lambda value, doc: entity_named(doc, value, "place"),
    ),
    *(p for p in ENTITY_PARAMS if p.name == "name"),
]


@pytest.mark.parametrize("param", SEEDED_IN, ids=lambda p: p.label)
def test_seeded_payloads_are_found_exactly_as_written(api: TestClient, param: Param) -> None:
    """An escape that is lost or doubled would find another document, or none."""
    failures = []
    for value in SEEDED_VALUES:
        response = api.get(param.url(value), params={**param.params(value), "limit": "100"})
        found = sorted(item["id"] for item in returned(response.json()))
        seen = param.seen(value)
        expected = sorted(doc["id"] for doc in ARTICLES if param.keeps and param.keeps(seen, doc))
        if response.status_code != (200 if expected else 404) or found != expected:
            failures.append(f"{value!r}: {response.status_code}, {found} != {expected}")
    assert not failures, "\n".join(failures)


def meili_normal(value: str) -> str:
    """A string value as Meilisearch compares it in filters: case, width and ends ignored."""
    return unicodedata.normalize("NFKC", value).strip().casefold()


@pytest.mark.parametrize("name", ["source", "theme", "entity"])
def test_near_misses_match_only_what_meilisearch_deems_equal(api: TestClient, name: str) -> None:
    """Meilisearch filters ignore case, width and surrounding spaces: `ap` finds `AP`.

    That is the engine's equality, not an escape: nothing beyond it may come back.
    """
    field = {"source": "source", "theme": "themes", "entity": "entities"}[name]
    seeded = {"source": "AP", "theme": SPORT, "entity": "Fed"}[name]
    values = {seeded.lower(), f" {seeded} ", unicodedata.normalize("NFKD", seeded).upper()}
    values |= {"".join(chr(ord(c) + 0xFEE0) if c.isalnum() else c for c in seeded)}  # fullwidth

    def normals(doc: Doc) -> set[str]:
        found = doc[field]
        names = [e["name"] for e in found] if field == "entities" else found
        return {meili_normal(v) for v in ([names] if isinstance(names, str) else names)}

    for value in values:
        response = api.get("/search", params={name: value, "limit": 100})
        assert response.status_code == 200, response.text
        hits = [SEED[hit["id"]] for hit in response.json()["hits"]]
        assert hits, f"{value!r} found nothing"
        assert all(meili_normal(value) in normals(doc) for doc in hits), (value, hits)


def test_unknown_and_repeated_parameters_do_not_widen_the_filter(api: TestClient) -> None:
    smuggled = api.get(
        "/search",
        params=[
            ("source", "AP"),
            ("filter", 'source = "Reuters"'),
            ("filter[]", "source EXISTS"),
            ("q", ""),
            ("limit", "100"),
        ],
    )
    assert smuggled.status_code == 200, smuggled.text
    assert {SEED[h["id"]]["source"] for h in smuggled.json()["hits"]} == {"AP"}
    repeated = api.get(
        "/search", params=[("source", "AP"), ("source", "Reuters"), ("limit", "100")]
    )
    assert repeated.status_code in {200, 422}, repeated.text
    if repeated.status_code == 200:
        sources = {SEED[h["id"]]["source"] for h in repeated.json()["hits"]}
        assert len(sources) <= 1, f"two sources asked for, both served: {sources}"


# Raw (not re-encoded) path segments: traversal, encoded dots and slashes, near-miss ids.
ODD_IDS = [
    "..",
    "%2e",
    "../x",
    "..%2Fx",
    "%2e%2e",
    "%2e%2e%2f%2e%2e%2fhealth",
    "..%2F..%2Fpipeline",
    "..%5C..%5Chealth",
    "%00",
    hx(1) + "%00",
    hx(1) + "%0a",
    "%20" + hx(1),
    hx(1) + "0",
    hx(1)[1:],
    HEX.upper(),
    "0" * 23 + "g",
    "0" * 24,
    "a" * 10_000,
]
ID_ROUTES = [
    "/articles/{}",
    "/articles/{}/related",
    "/articles/{}/more-on-theme",
    "/stories/{}",
    "/themes/{}/articles",
]


@pytest.mark.parametrize("route", ID_ROUTES)
def test_odd_ids_and_path_traversal_get_404_or_422(api: TestClient, route: str) -> None:
    failures = []
    for odd in ODD_IDS:
        response = api.get(route.format(odd))
        if response.url.path == "/":
            # The client resolved `..` away (as browsers do): the server saw plain `/`.
            continue
        if response.status_code not in {404, 422}:
            failures.append(f"GET {route.format(odd)[:120]}: {response.status_code}")
        elif response.status_code == 422 and not response.json().get("detail"):
            failures.append(f"GET {route.format(odd)[:120]}: 422 without a reason")
    assert not failures, "\n".join(failures)


def test_every_parameter_is_covered(api: TestClient) -> None:
    """A new endpoint or parameter fails here until it is added to PARAMS."""
    schema = api.app.openapi()  # type: ignore[attr-defined]
    declared = set()
    for route, methods in schema["paths"].items():
        if route in NO_PARAMETERS:
            continue
        for name in {p["name"] for op in methods.values() for p in op.get("parameters", [])}:
            declared.add((route, name))
        if not any(op.get("parameters") for op in methods.values()):
            declared.add((route, "?"))
    covered = {(p.route, p.name) for p in PARAMS}
    assert declared - covered == set(), "parameters no test attacks"
    assert covered - declared == set(), "parameters the API no longer has"
