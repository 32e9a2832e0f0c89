"""Turning submitted articles into events, as plain functions."""

from typing import Any

from pydantic import ValidationError

from shared.articles.submitted import ArticleIn
from shared.contracts.events import Article
from shared.contracts.ids import article_id, canonical_url


def to_article(item: ArticleIn, canonical_from: str | None = None) -> Article:
    """Return the article with its canonical URL (of `canonical_from`, else `url`) and id."""
    page = canonical_from or item.url
    canonical = canonical_url(page) if page else None
    return Article(
        id=article_id(
            canonical=canonical,
            source=item.source,
            title=item.title,
            published_at=item.published_at,
        ),
        title=item.title,
        body=item.body or None,
        description=item.description or None,
        url=item.url,
        canonical_url=canonical,
        source=item.source or None,
        published_at=item.published_at,
        language=item.language or None,
    )


def describe(exc: ValidationError) -> str:
    """Return a validation error as one readable line: `field: reason; ...`."""
    return "; ".join(
        f"{'.'.join(map(str, err['loc'])) or 'item'}: {err['msg']}" for err in exc.errors()
    )


def parse_batch(items: list[Any]) -> list[ArticleIn | str]:
    """Validate each item on its own: the article, or the reason it was rejected."""
    parsed: list[ArticleIn | str] = []
    for item in items:
        try:
            parsed.append(ArticleIn.model_validate(item))
        except ValidationError as exc:
            parsed.append(describe(exc))
    return parsed
