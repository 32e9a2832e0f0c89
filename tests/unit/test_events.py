from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from shared.contracts.events import Article, ArticleEnriched, ArticleIngested, Enrichment

ARTICLE = Article(id="a" * 24, title="A headline", published_at=datetime(2014, 3, 10, tzinfo=UTC))


def test_events_carry_a_schema_version_and_round_trip_through_json() -> None:
    event = ArticleIngested(article=ARTICLE)
    assert event.schema_version == 1
    assert ArticleIngested.model_validate_json(event.model_dump_json()) == event


def test_unknown_fields_and_other_schema_versions_are_refused() -> None:
    data = ArticleIngested(article=ARTICLE).model_dump(mode="json")
    with pytest.raises(ValidationError):
        ArticleIngested.model_validate({**data, "surprise": 1})
    with pytest.raises(ValidationError):
        ArticleIngested.model_validate({**data, "schema_version": 2})


def test_article_ids_are_checked() -> None:
    with pytest.raises(ValidationError):
        Article(id="../../etc", title="x")


def test_enriched_timestamp_falls_back_to_ingest_time() -> None:
    ingested = datetime(2020, 1, 1, tzinfo=UTC)
    undated = Article(id="b" * 24, title="No date")
    event = ArticleEnriched(article=undated, enrichment=Enrichment(), ingested_at=ingested)
    assert event.timestamp == int(ingested.timestamp())
    dated = ArticleEnriched(article=ARTICLE, enrichment=Enrichment(), ingested_at=ingested)
    assert dated.timestamp == int(datetime(2014, 3, 10, tzinfo=UTC).timestamp())
