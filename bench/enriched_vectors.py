"""Every article's vector as enrichment published it, read back from the enriched stream.

Meilisearch keeps its vectors as bits (shared/contracts/index_schema.py), so offline work that
needs the real ones (bench.related_quality's `--dump`) reads the retained events instead.
"""

import asyncio

from redis.asyncio import Redis

from services.cli.reindex_read import decode, pages
from shared.contracts.keys import Streams

PAGE = 2000


def vectors_by_id(
    redis_url: str, dimensions: int, streams: Streams | None = None
) -> dict[str, list[float]]:
    """Return the embedding of every enriched article the stream retains, by article id."""
    return asyncio.run(_read(redis_url, dimensions, (streams or Streams()).enriched))


async def _read(redis_url: str, dimensions: int, stream: str) -> dict[str, list[float]]:
    found: dict[str, list[float]] = {}
    async with Redis.from_url(redis_url) as redis:
        async for entries in pages(redis, stream, None, PAGE):
            for _, fields in entries:
                event = decode(fields, dimensions)
                if event is not None and event.enrichment.embedding is not None:
                    found[event.article.id] = event.enrichment.embedding
    return found
