"""Accepting articles: drop exact duplicates and publish the new ones, in one atomic step."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from faststream.redis.parser.binary import BinaryMessageFormatV1
from redis.asyncio import Redis

from shared.consume import DATA_FIELD
from shared.events import Article, ArticleIngested

# Marking an id seen and publishing its event happen together or not at all: a crash or a
# lost connection between the two would otherwise leave an id that is "seen" but never
# published, and the client's retry would be answered "duplicate" for an article nobody has.
ACCEPT_SCRIPT = """
local accepted = {}
for i = 1, #ARGV - 1, 2 do
  if redis.call('SADD', KEYS[1], ARGV[i]) == 1 then
    redis.call('XADD', KEYS[2], '*', ARGV[#ARGV], ARGV[i + 1])
    accepted[#accepted + 1] = 1
  else
    accepted[#accepted + 1] = 0
  end
end
return accepted
"""


async def envelope(event: ArticleIngested) -> bytes:
    """Return the event as FastStream writes it (its binary envelope, JSON inside)."""
    return await BinaryMessageFormatV1.encode(
        message=event.model_dump_json().encode(),
        reply_to=None,
        headers={"content-type": "application/json"},
        correlation_id=str(uuid.uuid4()),
    )


@dataclass
class Acceptor:
    """Publishes each article id at most once, also under concurrent requests and crashes."""

    redis: "Redis"
    stream: str
    seen_key: str

    async def accept(self, articles: Sequence[Article]) -> list[bool]:
        """Publish the articles not seen before; return, per article, whether it was new."""
        if not articles:
            return []
        args: list[str | bytes] = []
        for article in articles:
            args += [article.id, await envelope(ArticleIngested(article=article))]
        args.append(DATA_FIELD)
        script = self.redis.register_script(ACCEPT_SCRIPT)
        flags = await script(keys=[self.seen_key, self.stream], args=args)
        return [bool(flag) for flag in flags]
