"""A story as Redis keeps it, its stories-index document, and merged ids resolved.

The related worker writes stories; the reindex CLI and the search service read them. Both go
through these types, so a field renamed here is renamed for every reader.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

MAX_ALIAS_HOPS = 32  # a chain of merges is short; the bound only guards against a cycle


def resolve(story_id: str, aliases: Mapping[str, str]) -> str:
    """Return the story `story_id` is now: itself, or the story it was merged into."""
    for _ in range(MAX_ALIAS_HOPS):
        if story_id not in aliases:
            break
        story_id = aliases[story_id]
    return story_id


@dataclass(frozen=True)
class StoryState:
    """A story as Redis keeps it."""

    id: str
    title: str
    first_seen_ts: int
    last_seen_ts: int
    article_count: int
    sources: list[str]
    theme_counts: dict[str, int]

    @classmethod
    def from_redis(
        cls,
        story_id: str,
        fields: Mapping[str, str],
        sources: Iterable[str],
        theme_counts: Mapping[str, str],
    ) -> "StoryState":
        """Return a story from its Redis hash, sources set and theme-count hash."""
        return cls(
            id=story_id,
            title=fields.get("title", ""),
            first_seen_ts=int(fields.get("first_ts", 0)),
            last_seen_ts=int(fields.get("last_ts", 0)),
            article_count=int(fields.get("count", 0)),
            sources=list(sources),
            theme_counts={slug: int(count) for slug, count in theme_counts.items()},
        )


def _iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z")


def story_document(state: StoryState) -> dict[str, Any]:
    """Return the stories-index document of a story."""
    ranked = sorted(state.theme_counts.items(), key=lambda item: (-item[1], item[0]))
    themes = [slug for slug, _ in ranked]
    return {
        "id": state.id,
        "title": state.title,
        "first_seen_ts": state.first_seen_ts,
        "last_seen_ts": state.last_seen_ts,
        "first_seen": _iso(state.first_seen_ts),
        "last_seen": _iso(state.last_seen_ts),
        "article_count": state.article_count,
        "sources": sorted(state.sources),
        "primary_theme": themes[0] if themes else None,
        "themes": themes,
    }
