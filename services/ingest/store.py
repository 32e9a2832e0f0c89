"""Accepting articles: drop exact duplicates atomically, publish the new ones."""

from collections.abc import Sequence
from dataclasses import dataclass

from faststream.redis.publisher.usecase import StreamPublisher
from redis.asyncio import Redis

from shared.broker import publish_many
from shared.events import Article, ArticleIngested


@dataclass
class Acceptor:
    """Publishes each article id at most once, also under concurrent requests."""

    redis: "Redis"
    publisher: StreamPublisher
    seen_key: str

    async def accept(self, articles: Sequence[Article]) -> list[bool]:
        """Publish the articles not seen before; return, per article, whether it was new.

        SADD is atomic, so of two concurrent requests for one id exactly one wins. If
        publishing fails the ids are released again, so the client's retry is not taken
        for a duplicate.
        """
        async with self.redis.pipeline(transaction=False) as pipe:
            for article in articles:
                pipe.sadd(self.seen_key, article.id)
            added = [bool(n) for n in await pipe.execute()]
        new = [article for article, is_new in zip(articles, added, strict=True) if is_new]
        try:
            await publish_many(
                self.publisher, self.redis, [ArticleIngested(article=a) for a in new]
            )
        except BaseException:
            if new:
                await self.redis.srem(self.seen_key, *[a.id for a in new])
            raise
        return added
