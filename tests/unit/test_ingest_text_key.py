from shared.articles.accept import MIN_TEXT_CHARS, text_key
from shared.contracts.events import Article

BODY = "Markets rose after the central bank held rates. " * 6


def article(body: str | None, source: str | None = "Example") -> Article:
    return Article(id="a" * 24, title="T", body=body, source=source)


def test_spacing_and_case_do_not_make_another_text() -> None:
    assert text_key(article(BODY)) == text_key(article("\n " + BODY.upper().replace(" ", "  ")))


def test_another_source_or_text_makes_another_key() -> None:
    assert text_key(article(BODY)) != text_key(article(BODY, source="Other"))
    assert text_key(article(BODY)) != text_key(article(BODY + " More."))


def test_short_texts_are_not_compared() -> None:
    assert text_key(article("x" * (MIN_TEXT_CHARS - 1))) == ""
    assert text_key(article(None)) == ""
