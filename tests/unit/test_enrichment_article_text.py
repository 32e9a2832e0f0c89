import pytest

from services.enrichment.article_text import (
    first_sentences,
    lede_of,
    normalise_language,
    reading_time_minutes,
    text_fields,
    word_count,
)
from shared.contracts.events import Article


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


def test_text_fields_of_a_full_text_article() -> None:
    fields = text_fields(article(body="First one. Second one. Third."))
    assert fields == {"lede": "First one. Second one.", "word_count": 5, "reading_time_minutes": 1}


def test_headline_only_article_has_no_lede_and_no_words() -> None:
    assert text_fields(article()) == {"lede": "", "word_count": 0, "reading_time_minutes": 0}


def test_description_stands_in_for_a_missing_body() -> None:
    assert (
        lede_of(article(description="  A summary.  Of the story. ")) == "A summary. Of the story."
    )


def test_whitespace_body_and_junk_do_not_break_text_fields() -> None:
    assert lede_of(article(body="   \n\t ")) == ""
    words = text_fields(article(body="\x00\x01\ufffd" * 1000 + "Ω≈ç√"))["word_count"]
    assert isinstance(words, int)
    assert words >= 1
