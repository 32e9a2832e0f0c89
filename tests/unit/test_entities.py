import time

import pytest

from services.enrichment.entities import Entity, EntityExtractor, normalise, prepare
from services.enrichment.places import country_index

PARAGRAPH = (
    "Putin warns the West over sanctions\n\n"
    "Russian President Vladimir Putin said on Friday that new sanctions from the "
    "European Union would hurt Europe more than Russia. Speaking after talks with German "
    "Chancellor Angela Merkel in Moscow, Putin said Gazprom would keep supplying gas to "
    "Germany. Merkel told reporters that the EU's leaders would meet in Brussels next week. "
    "The United Nations said the fighting in eastern Ukraine had displaced 100,000 people. "
    "In Washington, officials at the State Department said the U.S. was consulting Britain "
    "and France. Putin's spokesman, Dmitry Peskov, declined to comment."
)


@pytest.fixture(scope="module")
def extractor() -> EntityExtractor:
    return EntityExtractor()


@pytest.fixture(scope="module")
def entities(extractor: EntityExtractor) -> dict[str, Entity]:
    [found] = extractor.extract_many([PARAGRAPH])
    return {entity.name: entity for entity in found}


def test_types(entities: dict[str, Entity]) -> None:
    assert entities["Angela Merkel"].type == "person"
    assert entities["Dmitry Peskov"].type == "person"
    assert entities["United Nations"].type == "organisation"
    assert entities["State Department"].type == "organisation"
    assert entities["Brussels"].type == "place"
    assert entities["Ukraine"].type == "place"


def test_nationalities_and_numbers_are_not_entities(entities: dict[str, Entity]) -> None:
    assert not {"Russian", "German", "Friday", "100,000"} & entities.keys()


def test_surnames_merge_into_the_full_name(entities: dict[str, Entity]) -> None:
    # Headline "Putin", "Vladimir Putin", "Putin said", "Putin's spokesman".
    putin = entities["Vladimir Putin"]
    assert putin.mentions == 4
    assert putin.first_position == 0
    assert entities["Angela Merkel"].mentions == 2
    assert not {"Putin", "Merkel"} & entities.keys()


def test_names_are_normalised(entities: dict[str, Entity]) -> None:
    # "The United Nations" and "the EU's" lose the article and the possessive.
    assert entities["United Nations"].first_position == PARAGRAPH.index("United Nations")
    assert "EU" in entities
    assert not any(name.lower().startswith("the ") for name in entities)
    assert not any(name.endswith("'s") for name in entities)


def test_country_codes(entities: dict[str, Entity]) -> None:
    expected = {
        "Russia": "RU",
        "Moscow": "RU",
        "Germany": "DE",
        "Ukraine": "UA",
        "Brussels": "BE",
        "Washington": "US",
        "U.S.": "US",
        "Britain": "GB",
        "France": "FR",
    }
    assert {name: entities[name].country for name in expected} == expected
    assert entities["Europe"].country is None
    assert entities["Angela Merkel"].country is None
    assert entities["United Nations"].country is None


def test_positions_point_at_the_first_mention(entities: dict[str, Entity]) -> None:
    for name in ("Angela Merkel", "Brussels", "Dmitry Peskov", "U.S."):
        assert entities[name].first_position == PARAGRAPH.index(name)


def test_most_mentioned_first_then_by_position(extractor: EntityExtractor) -> None:
    [found] = extractor.extract_many([PARAGRAPH])
    assert found[0].name == "Vladimir Putin"
    keys = [(-entity.mentions, entity.first_position) for entity in found]
    assert keys == sorted(keys)


def test_batch_keeps_order_and_handles_empty(extractor: EntityExtractor) -> None:
    texts = ["", "   \n", "Tim Cook spoke in Paris.", "\x00\x01 \ud800 junk", PARAGRAPH]
    results = extractor.extract_many(texts, batch_size=2)
    assert len(results) == len(texts)
    assert results[0] == results[1] == []
    assert [(e.name, e.type) for e in results[2]] == [("Tim Cook", "person"), ("Paris", "place")]
    assert results[4][0].name == "Vladimir Putin"


def test_long_text_is_cut_at_max_chars(extractor: EntityExtractor) -> None:
    filler = "Nothing much happened in the town that day. " * 25_000
    head = filler[: extractor.max_chars - 100] + " Angela Merkel met Emmanuel Macron in Berlin."
    # Madrid straddles the limit: the half word must not become an entity ("Ma").
    tail = " Boris Johnson visited Madrid." * 20_000
    text = head + " " * (extractor.max_chars - len(head) - 3) + " Madrid" + tail
    assert len(text) > 600_000
    started = time.monotonic()
    [found] = extractor.extract_many([text])
    assert time.monotonic() - started < 30
    assert {entity.name for entity in found} == {"Angela Merkel", "Emmanuel Macron", "Berlin"}


def test_prepare_keeps_offsets() -> None:
    assert prepare("abc def ghi", 9) == "abc def"
    assert prepare("abcdefghi", 4) == "abcd"
    assert prepare("a\ud800b", 100) == "a?b"
    assert prepare("short", 100) == "short"


def test_normalise() -> None:
    assert normalise("  The   European Union's ", "organisation") == "European Union"
    assert normalise('"Reuters,"', "organisation") == "Reuters"
    assert normalise("Mr. Borrell", "person") == "Borrell"
    assert normalise("Dr Pepper", "organisation") == "Dr Pepper"
    assert normalise("U.S.", "place") == "U.S."
    assert normalise("--", "place") == ""


def test_country_index() -> None:
    index = country_index()
    assert index["russian federation"] == index["russia"] == "RU"
    assert index["syria"] == "SY"
    assert index["south korea"] == "KR"
    assert index["georgia"] == "GE"
    assert index["texas"] == "US"
    assert index["ontario"] == "CA"
    # ISO codes are not names: "CA" and "GA" (US state abbreviations) must not resolve.
    assert "ca" not in index
    assert "ga" not in index
