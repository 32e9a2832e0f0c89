"""The enricher with its real models: every field, and bad input that must not sink a batch."""

from collections.abc import Sequence

import pytest

from services.enrichment.pipeline import Enricher, load_models
from services.enrichment.themes import ThemeRules
from shared.contracts.events import Article, ArticleEnriched, ArticleIngested
from shared.contracts.vectors import DEFAULT_EMBEDDER, EMBEDDER_DIMENSIONS

BODY = (
    "The Federal Reserve held interest rates steady on Wednesday. Chair Janet Yellen said the "
    "economy of the United States was improving, and markets in New York rose. Yellen said "
    "rates would stay low for a considerable time."
)


@pytest.fixture(scope="module")
def enricher() -> Enricher:
    return Enricher(load_models(DEFAULT_EMBEDDER, ThemeRules()))


def ingested(n: int, title: str, **fields: object) -> ArticleIngested:
    return ArticleIngested(
        article=Article.model_validate({"id": f"{n:024x}", "title": title, **fields})
    )


def enrich(enricher: Enricher, *events: ArticleIngested) -> Sequence[ArticleEnriched]:
    return enricher.enrich(list(events))


def test_a_full_text_article_gets_every_enrichment(enricher: Enricher) -> None:
    (result,) = enrich(enricher, ingested(1, "Fed holds rates as Yellen sees recovery", body=BODY))
    e = result.enrichment
    assert (e.language, e.language_source) == ("en", "detected")
    assert e.language_confidence is not None
    assert e.language_confidence > 0.9
    names = {m.name: m for m in e.entities}
    assert names["Janet Yellen"].type == "person"
    assert names["Janet Yellen"].mentions >= 2
    assert names["United States"].country == "US"
    assert e.keywords
    assert e.themes[0].slug == "economy-business-and-finance"
    assert e.themes[0].level == 1
    assert len(e.embedding or []) == EMBEDDER_DIMENSIONS[DEFAULT_EMBEDDER]
    assert e.skipped == {}


def test_a_headline_alone_gets_everything_a_headline_allows(enricher: Enricher) -> None:
    (result,) = enrich(
        enricher, ingested(2, "Manchester United beat Chelsea 2-1 in Premier League football match")
    )
    e = result.enrichment
    assert e.language == "en"
    assert e.entities
    assert e.keywords
    assert e.themes[0].slug == "sport"
    assert e.embedding
    assert e.skipped == {"lede": "no body or description"}


def test_bad_input_is_enriched_as_far_as_it_goes(enricher: Enricher) -> None:
    results = enrich(
        enricher,
        ingested(3, "Empty body", body="   \n\t  "),
        ingested(4, "Mixed: Москва и Paris 東京 القاهرة", body="Москва Paris 東京 القاهرة " * 20),
        ingested(5, "Junk", body="\x00\x01\x02\ufffd\udc80" * 2000),
        ingested(6, "Huge", body=("Word after word in a very long text. " * 30_000)[:1_000_000]),
        ingested(7, "Xyzzy plugh qwrtp zxcvb"),
        ingested(8, "Le gouvernement français annonce une réforme des retraites"),
    )
    assert len(results) == 6
    by_title = {r.article.title: r.enrichment for r in results}
    assert by_title["Huge"].word_count > 100_000
    assert "entities_beyond" in by_title["Huge"].skipped
    french = by_title["Le gouvernement français annonce une réforme des retraites"]
    assert french.language == "fr"
    assert "entities" in french.skipped
    assert all(r.enrichment.embedding for r in results)


def test_one_failing_article_does_not_fail_the_others(
    enricher: Enricher, monkeypatch: pytest.MonkeyPatch
) -> None:
    extract = enricher.models.keywords.extract

    def flaky(text: str, language: str | None) -> list[str]:
        if "poison" in text:
            raise RuntimeError("model choked")
        return extract(text, language)

    monkeypatch.setattr(enricher.models.keywords, "extract", flaky)
    good, bad = enrich(
        enricher, ingested(9, "Stocks rally in Tokyo"), ingested(10, "A poison pill")
    )
    assert good.enrichment.keywords
    assert "keywords" in good.enrichment.ran
    assert bad.enrichment.keywords == []
    assert bad.enrichment.skipped["keywords"] == "keywords failed: RuntimeError: model choked"
    assert bad.enrichment.embedding


def test_the_embedding_travels_packed_and_comes_back_close(enricher: Enricher) -> None:
    (result,) = enrich(enricher, ingested(5, "Fed holds rates as Yellen sees recovery"))
    wire = result.model_dump_json()
    assert len(wire) < 3_000  # the vector as 512 JSON floats alone took 5,300 characters
    back = ArticleEnriched.model_validate_json(wire).enrichment.embedding or []
    sent = result.enrichment.embedding or []
    assert len(back) == len(sent) == EMBEDDER_DIMENSIONS[DEFAULT_EMBEDDER]
    assert max(abs(a - b) for a, b in zip(back, sent, strict=True)) < 1e-3
