"""Enriched article -> Meilisearch document, as plain functions."""

from typing import Any

from shared.events import ArticleEnriched


def to_document(event: ArticleEnriched) -> dict[str, Any]:
    """Return the index document of an article.

    `published_ts` falls back to the ingest time so that every article sorts by recency.
    `related` and `story_id` are left out: the related service owns them, and a partial
    update from here must never erase what it stored.
    """
    article, enrichment = event.article, event.enrichment
    return {
        "id": article.id,
        "title": article.title,
        "description": article.description,
        "body": article.body,
        "url": article.url,
        "canonical_url": article.canonical_url,
        "source": article.source,
        "published_at": article.published_at.isoformat() if article.published_at else None,
        "published_ts": event.timestamp,
        "ingested_at": event.ingested_at.isoformat(),
        "language": enrichment.language,
        "lede": enrichment.lede,
        "word_count": enrichment.word_count,
        "reading_time_minutes": enrichment.reading_time_minutes,
        "entities": enrichment.entities,
        "keywords": enrichment.keywords,
        "themes": enrichment.themes,
        "enrichments": enrichment.ran,
        "enrichments_skipped": enrichment.skipped,
    }


def to_documents(events: list[ArticleEnriched]) -> list[dict[str, Any]]:
    """Return one document per article id; the last event of a batch wins."""
    by_id = {event.article.id: to_document(event) for event in events}
    return list(by_id.values())
