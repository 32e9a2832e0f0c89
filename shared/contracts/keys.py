"""Every Redis key and stream name of the pipeline, and its topology, in one place.

Streams and dedupe sets (`Streams`), the feed registry (`FeedKeys`) and the related service's
stories, aliases, vectors and lists (`RelatedKeys`), each under one namespace.
"""

import os
import socket
import uuid
from dataclasses import dataclass

INGESTED = "articles.ingested"
ENRICHED = "articles.enriched"
DEAD_LETTER = "articles.dead-letter"

ENRICHMENT_GROUP = "enrichment"
INDEXING_GROUP = "indexing"
RELATED_GROUP = "related"

# Which groups read which stream: enrichment reads what ingest accepted, and indexing and
# related both read every enriched article (fan-out).
TOPOLOGY: dict[str, tuple[str, ...]] = {
    INGESTED: (ENRICHMENT_GROUP,),
    ENRICHED: (INDEXING_GROUP, RELATED_GROUP),
}
# Streams that are only a queue: once every group is done with an entry, nothing reads it
# again (`ontheme reindex` rebuilds from the enriched stream), so it goes before retention.
WORK_QUEUES = (INGESTED,)


@dataclass(frozen=True)
class Streams:
    """Stream names and Redis keys under one namespace."""

    namespace: str = ""

    def name(self, stream: str) -> str:
        """Return the full Redis key of a stream."""
        return f"{self.namespace}{stream}"

    @property
    def ingested(self) -> str:
        """Stream of accepted articles."""
        return self.name(INGESTED)

    @property
    def enriched(self) -> str:
        """Stream of enriched articles."""
        return self.name(ENRICHED)

    @property
    def dead_letter(self) -> str:
        """Stream of events that could not be processed, with the cause."""
        return self.name(DEAD_LETTER)

    @property
    def seen_ids(self) -> str:
        """Redis set of every article id accepted so far (exact-duplicate check)."""
        return f"{self.namespace}articles.seen"

    @property
    def seen_texts(self) -> str:
        """Redis hash of text key (source and normalised text) -> the first article's id."""
        return f"{self.namespace}articles.seen-texts"

    def delivery_errors(self, stream: str, group: str) -> str:
        """Redis hash of the last error of each message a group failed to process."""
        return f"{stream}:{group}:errors"

    def groups(self) -> dict[str, tuple[str, ...]]:
        """Return the topology with namespaced stream names."""
        return {self.name(stream): groups for stream, groups in TOPOLOGY.items()}

    def work_queues(self) -> dict[str, tuple[str, ...]]:
        """Return the work-queue streams (namespaced) and the groups that must be done first."""
        return {self.name(stream): TOPOLOGY[stream] for stream in WORK_QUEUES}


@dataclass(frozen=True)
class FeedKeys:
    """Redis keys of the feeds under one namespace."""

    namespace: str = ""

    @property
    def schedule(self) -> str:
        """Sorted set: feed id -> when it is next due (Unix seconds)."""
        return f"{self.namespace}feeds.schedule"

    def feed(self, feed_id: str) -> str:
        """Hash of one feed's settings, validators and status."""
        return f"{self.namespace}feeds:{feed_id}"

    def lease(self, feed_id: str) -> str:
        """String held (with a TTL) by the poller polling the feed right now."""
        return f"{self.namespace}feeds:{feed_id}:lease"


@dataclass(frozen=True)
class RelatedKeys:
    """Redis keys of stories, story aliases, vectors and related lists under one namespace."""

    namespace: str = ""

    @property
    def prefix(self) -> str:
        """What every related key starts with."""
        return f"{self.namespace}related."

    @property
    def story_of(self) -> str:
        """Hash: article id -> the story it joined (which may be an alias now)."""
        return f"{self.prefix}story-of"

    @property
    def story_aliases(self) -> str:
        """Hash: merged story id -> the story it went into."""
        return f"{self.prefix}story-alias"

    def story(self, story_id: str) -> list[str]:
        """The hash, sources set and theme-count hash of one story."""
        base = f"{self.prefix}story:{story_id}"
        return [base, f"{base}:sources", f"{base}:themes"]

    @property
    def vectors(self) -> str:
        """Prefix of the per-hour vector records (`{prefix}{dimensions}:{hour}`)."""
        return f"{self.prefix}vectors:"

    def related_list(self, article_id: str) -> str:
        """Hash: other article id -> the stored related entry."""
        return f"{self.prefix}list:{article_id}"


def consumer_name(service: str) -> str:
    """Return a consumer name unique to this process, so replicas never share one."""
    return f"{service}-{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
