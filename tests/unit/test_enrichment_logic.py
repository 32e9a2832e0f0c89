import pytest

from services.enrichment.logic import (
    enrich,
    enrich_event,
    first_sentences,
    normalise_language,
    reading_time_minutes,
    word_count,
)
from shared.events import Article, ArticleIngested


def article(**fields: object) -> Article:
    return Article.model_validate({"id": "c" * 24, "title": "Headline", **fields})


@pytest.mark.parametrize(
    ("declared", "expected"),
    [("en", "en"), ("EN-gb", "en"), ("fr_FR", "fr"), ("english", None), ("", None), (None, None)],
)
def test_normalise_language(declared: str | None, expected: str | None) -> None:
    assert normalise_language(declared) == expected


def test_first_sentences_keeps_quotes_and_abbreviations() -> None:
    text = 'He said "no." Then U.S. officials left. A third sentence.'
    assert first_sentences(text) == 'He said "no." Then U.S. officials left.'


def test_first_sentences_cuts_long_text_at_a_word() -> None:
    lede = first_sentences("word " * 500)
    assert len(lede) <= 401
    assert lede.endswith("…")


def test_word_count_and_reading_time() -> None:
    assert word_count("It's a well-known fact, 2 times.") == 6
    assert reading_time_minutes(0) == 0
    assert reading_time_minutes(1) == 1
    assert reading_time_minutes(231) == 2


def test_full_text_article_gets_every_field() -> None:
    result = enrich(article(body="First one. Second one. Third.", language="en"))
    assert result.language == "en"
    assert result.language_source == "declared"
    assert result.lede == "First one. Second one."
    assert result.word_count == 5
    assert result.ran == ["language", "lede", "word_count", "reading_time"]
    assert result.skipped == {}


def test_headline_only_article_says_what_was_skipped_and_why() -> None:
    result = enrich(article())
    assert result.lede == ""
    assert result.word_count == 0
    assert set(result.skipped) == {"language", "lede"}
    assert "lede" not in result.ran


def test_description_stands_in_for_a_missing_body() -> None:
    result = enrich(article(description="  A summary.  Of the story. "))
    assert result.lede == "A summary. Of the story."


def test_whitespace_body_and_junk_do_not_break_enrichment() -> None:
    assert enrich(article(body="   \n\t ")).lede == ""
    junk = enrich(article(body="\x00\x01\ufffd" * 1000 + "Ω≈ç√"))
    assert junk.word_count >= 1


def test_enrich_event_keeps_the_article_and_ingest_time() -> None:
    event = ArticleIngested(article=article(body="Text."))
    enriched = enrich_event(event)
    assert enriched.article == event.article
    assert enriched.ingested_at == event.ingested_at
