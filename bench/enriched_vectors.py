"""Every article's vector as enrichment published it, read back from the enriched stream.

Meilisearch keeps its vectors as bits (shared/contracts/index_schema.py), so offline work that
needs the real ones (bench.related_quality's `--dump`) reads the retained events instead.
"""

import redis

from services.cli.reindex_read import decode
from shared.contracts.keys import Streams

PAGE = 2000


def vectors_by_id(
    redis_url: str, dimensions: int, streams: Streams | None = None
) -> dict[str, list[float]]:
    """Return the embedding of every enriched article the stream retains, by article id."""
    stream = (streams or Streams()).enriched
    found: dict[str, list[float]] = {}
    start = "-"
    with redis.Redis.from_url(redis_url) as client:
        while entries := client.xrange(stream, start, "+", count=PAGE):
            for _, fields in entries:
                event = decode(fields, dimensions)
                if event is not None and event.enrichment.embedding is not None:
                    found[event.article.id] = event.enrichment.embedding
            start = "(" + entries[-1][0].decode()
    return found
