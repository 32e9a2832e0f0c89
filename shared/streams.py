"""Stream and consumer-group names: the topology of the pipeline, in one place."""

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


def consumer_name(service: str) -> str:
    """Return a consumer name unique to this process, so replicas never share one."""
    return f"{service}-{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
