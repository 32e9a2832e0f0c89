"""The theme taxonomy: IPTC Media Topics levels 1 to 3 (CC BY 4.0, see taxonomy/ATTRIBUTION.md)."""

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

from pydantic import BaseModel, ConfigDict


@dataclass(frozen=True)
class Topic:
    """One IPTC Media Topic; `slug` is the stable, readable id used in the API."""

    id: str
    slug: str
    level: int
    top: str
    name: str
    definition: str


class ThemeScore(BaseModel):
    """A theme assigned to an article, with how well it matched."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    slug: str
    name: str
    level: int
    top: str  # slug of the top-level topic
    score: float


@dataclass(frozen=True)
class Taxonomy:
    """The topics, by id and by slug."""

    topics: tuple[Topic, ...]

    def by_id(self, topic_id: str) -> Topic:
        """Return the topic with this IPTC id."""
        return _index(self)[0][topic_id]

    def by_slug(self, slug: str) -> Topic | None:
        """Return the topic with this slug, if any."""
        return _index(self)[1].get(slug)

    def top_level(self) -> tuple[Topic, ...]:
        """Return the 17 top-level topics."""
        return tuple(t for t in self.topics if t.level == 1)


@cache
def _index(taxonomy: Taxonomy) -> tuple[dict[str, Topic], dict[str, Topic]]:
    return {t.id: t for t in taxonomy.topics}, {t.slug: t for t in taxonomy.topics}


@cache
def load_taxonomy() -> Taxonomy:
    """Load the shipped IPTC Media Topics table (once per process)."""
    raw = (
        resources.files("shared.contracts")
        .joinpath("taxonomy/iptc-media-topics.json")
        .read_text("utf-8")
    )
    return Taxonomy(tuple(Topic(**row) for row in json.loads(raw)))
