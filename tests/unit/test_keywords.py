import pytest

from services.enrichment.keywords import KeywordExtractor, normalise, stopwords

ARTICLE = (
    "Heavy rain caused severe flooding across northern Italy on Sunday, forcing thousands of "
    "residents to leave their homes. The flooding closed roads and railway lines around Bologna, "
    "and the civil protection agency warned that river levels would keep rising. Farmers said "
    "the flooding had destroyed crops just before the harvest. The regional government asked "
    "Rome for emergency funds to repair flood defences and compensate farmers. Forecasters "
    "expect more heavy rain in northern Italy on Tuesday."
)


@pytest.fixture(scope="module")
def extractor() -> KeywordExtractor:
    return KeywordExtractor(top=8)


def test_sensible_phrases_best_first(extractor: KeywordExtractor) -> None:
    keywords = extractor.extract(ARTICLE, "en")
    assert 0 < len(keywords) <= 8
    assert "northern italy" in keywords
    assert "flooding" in keywords[0]
    assert all(phrase == phrase.lower() and phrase == phrase.strip() for phrase in keywords)
    assert all(len(phrase.split()) <= 3 for phrase in keywords)


def test_no_phrase_repeats_a_better_one(extractor: KeywordExtractor) -> None:
    keywords = extractor.extract(ARTICLE, "en")
    assert len(set(keywords)) == len(keywords)
    for i, phrase in enumerate(keywords):
        for better in keywords[:i]:
            assert not set(phrase.split()) <= set(better.split())


@pytest.mark.parametrize("text", ["", "   ", "\n\n\t"])
def test_empty_text_has_no_keywords(extractor: KeywordExtractor, text: str) -> None:
    assert extractor.extract(text, "en") == []
    assert extractor.extract(text, None) == []


def test_pure_numbers_are_skipped(extractor: KeywordExtractor) -> None:
    keywords = extractor.extract("In 2014 sales rose 12.5% to 200,000 units; 2014 was good.", "en")
    assert all(any(char.isalpha() for char in phrase) for phrase in keywords)
    assert "2014" not in keywords


def test_language_none_or_unsupported_uses_english_stopwords(extractor: KeywordExtractor) -> None:
    english = extractor.extract(ARTICLE, "en")
    assert extractor.extract(ARTICLE, None) == english
    assert extractor.extract(ARTICLE, "ko") == english


def test_other_languages_use_their_stopwords(extractor: KeywordExtractor) -> None:
    text = (
        "Le gouvernement français a présenté mardi une réforme des retraites. "
        "La réforme des retraites prévoit un report de l'âge légal de départ."
    )
    keywords = extractor.extract(text, "fr")
    assert "réforme des retraites" in keywords
    assert not any(phrase.split()[0] in {"le", "la", "des", "de"} for phrase in keywords)


def test_misencoded_stopword_lists_are_read_right() -> None:
    assert "avšak" in stopwords("sk")
    assert "nėra" in stopwords("lt")
    assert "the" in stopwords("en")
    assert "ale" in stopwords("cs")


def test_junk_and_huge_text_stay_bounded(extractor: KeywordExtractor) -> None:
    assert extractor.extract("x" * 200_000, "en") == []
    keywords = extractor.extract(ARTICLE * 2_000, "en")
    assert 0 < len(keywords) <= 8
    junk = bytes(range(256)).decode("latin-1") * 20 + "\ud800"
    assert len(extractor.extract(junk, None)) <= 8


def test_extract_many_pairs_texts_with_languages(extractor: KeywordExtractor) -> None:
    results = extractor.extract_many([ARTICLE, "", ARTICLE], ["en", None, None])
    assert results[0] == results[2]
    assert results[1] == []
    with pytest.raises(ValueError, match="same length"):
        extractor.extract_many([ARTICLE], [])


def test_normalise() -> None:
    assert normalise('  "Northern   Italy," ') == "northern italy"
    assert normalise("told People.") == "told people"
