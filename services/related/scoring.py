"""How related two articles are: the learned probability that they report the same event.

Plain functions, no I/O. The score is symmetric, so the entry an article stores about another
is the same whichever of the two was processed first, and replays store the same entries. The
evidence and its weights are in evidence.py.
"""

from dataclasses import dataclass, field
from typing import Any

from services.related.evidence import SameEvent
from services.related.words import content_words
from shared.contracts.events import ArticleEnriched

MAX_SHARED_SHOWN = 3  # shared entities and keywords named in the reasons


@dataclass(frozen=True)
class Profile:
    """What scoring knows about one article."""

    id: str
    title: str
    published_ts: int
    entities: dict[str, str]  # lower-cased name -> name as written
    keywords: frozenset[str]
    source: str | None = None
    # Scoring compares every candidate pair: these sets are built once, not per pair.
    entity_keys: frozenset[str] = field(init=False, repr=False, compare=False)
    words: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "entity_keys", frozenset(self.entities))
        object.__setattr__(self, "words", content_words(self.title))


Candidate = tuple[Profile, float]  # the other article and its similarity to this one


@dataclass(frozen=True)
class Match:
    """One scored pair: the other article's id, the score and what explains it."""

    id: str
    score: float
    similarity: float
    shared_entities: tuple[str, ...]
    shared_keywords: tuple[str, ...]


def profile_of_event(event: ArticleEnriched) -> Profile:
    """Return the scoring profile of an enriched article."""
    names = [mention.name for mention in event.enrichment.entities]
    return Profile(
        id=event.article.id,
        title=event.article.title,
        published_ts=event.timestamp,
        entities={name.casefold(): name for name in names},
        keywords=frozenset(k.casefold() for k in event.enrichment.keywords),
        source=event.article.source,
    )


def profile_of_hit(hit: dict[str, Any]) -> Profile:
    """Return the scoring profile of an indexed document, as Meilisearch returns it."""
    names = [str(e.get("name", "")) for e in hit.get("entities") or [] if isinstance(e, dict)]
    return Profile(
        id=str(hit["id"]),
        title=str(hit.get("title") or ""),
        published_ts=int(hit.get("published_ts") or 0),
        entities={name.casefold(): name for name in names if name},
        keywords=frozenset(str(k).casefold() for k in hit.get("keywords") or []),
        source=str(hit["source"]) if hit.get("source") else None,
    )


def score_pair(a: Profile, b: Profile, cosine: float, model: SameEvent) -> Match:
    """Return the match of `b` for `a`; the same score as `a` for `b`."""
    entity_keys = a.entity_keys & b.entity_keys
    keywords = a.keywords & b.keywords
    return Match(
        id=b.id,
        score=round(model.probability(a, b, cosine), 4),
        similarity=round(cosine, 4),
        shared_entities=_shown_names(a, b, entity_keys) if entity_keys else (),
        shared_keywords=tuple(sorted(keywords)[:MAX_SHARED_SHOWN]) if keywords else (),
    )


def score_candidates(
    event: ArticleEnriched, candidates: list[Candidate], model: SameEvent
) -> list[Match]:
    """Return every candidate scored once, best first."""
    me = profile_of_event(event)
    unique = {profile.id: (profile, cosine) for profile, cosine in candidates}
    matches = [score_pair(me, profile, cosine, model) for profile, cosine in unique.values()]
    return sorted(matches, key=lambda m: (-m.score, m.id))


def _shown_names(a: Profile, b: Profile, keys: frozenset[str]) -> tuple[str, ...]:
    return tuple(min(a.entities[k], b.entities[k]) for k in sorted(keys)[:MAX_SHARED_SHOWN])
