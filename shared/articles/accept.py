"""Accepting articles: drop exact duplicates and publish the new ones, in one atomic step."""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from redis.asyncio import Redis
from redis.commands.core import AsyncScript

from shared.adapters.redis import text
from shared.contracts.events import Article, ArticleIngested
from shared.contracts.keys import Streams
from shared.contracts.wire import DATA_FIELD, encode
from shared.runtime.tracing import new_trace_id

# Marking an article seen and publishing its event happen together or not at all: a crash or
# a lost connection between the two would otherwise leave an id that is "seen" but never
# published, and the client's retry would be answered "duplicate" for an article nobody has.
# An article is a duplicate when its id (canonical URL) was seen, or when the same source
# sent the same text before (its text key); either way the answer names the first id.
ACCEPT_SCRIPT = """
local answer = {}
for i = 1, #ARGV - 1, 3 do
  local id, text_key, existing = ARGV[i], ARGV[i + 1], false
  if redis.call('SISMEMBER', KEYS[1], id) == 1 then
    existing = id
  elseif text_key ~= '' then
    existing = redis.call('HGET', KEYS[3], text_key)
  end
  if existing then
    answer[#answer + 1] = existing
    answer[#answer + 1] = 0
  else
    redis.call('SADD', KEYS[1], id)
    if text_key ~= '' then redis.call('HSET', KEYS[3], text_key, id) end
    redis.call('XADD', KEYS[2], '*', ARGV[#ARGV], ARGV[i + 2])
    answer[#answer + 1] = id
    answer[#answer + 1] = 1
  end
end
return answer
"""
# Shorter texts (a bare headline) say too little to call two articles the same.
MIN_TEXT_CHARS = 200


@dataclass(frozen=True)
class Admission:
    """What became of an article: its id, whether it was new, and its event's trace id.

    A duplicate has no trace id: nothing was published for it.
    """

    id: str
    new: bool
    trace_id: str | None = None


def text_key(article: Article) -> str:
    """Return the key of an article's normalised text from its source; empty if too short."""
    text = " ".join((article.body or article.description or "").split()).casefold()
    if len(text) < MIN_TEXT_CHARS:
        return ""
    source = " ".join((article.source or "").split()).casefold()
    return hashlib.sha256(f"{source}\n{text}".encode()).hexdigest()[:32]


async def envelope(event: ArticleIngested, trace_id: str | None = None) -> bytes:
    """Return the event's `__data__` value: FastStream's binary envelope (JSON inside), deflated."""
    return await encode(event.model_dump_json().encode(), trace_id)


@dataclass
class Acceptor:
    """Publishes each article id at most once, also under concurrent requests and crashes."""

    redis: "Redis"
    stream: str
    seen_key: str

    texts_key: str
    # Registered once, on first use: every call then runs it by its hash (EVALSHA).
    _script: AsyncScript | None = field(default=None, init=False, repr=False)

    @classmethod
    def of(cls, redis: "Redis", streams: Streams) -> "Acceptor":
        """Return the acceptor of a namespace's ingested stream, as every entry point uses it."""
        return cls(redis, streams.ingested, streams.seen_ids, streams.seen_texts)

    async def admit(
        self, articles: Sequence[Article], traces: Sequence[str] | None = None
    ) -> list[Admission]:
        """Publish the articles not seen before; say, per article, its id and if it was new.

        Each event carries a trace id in its headers: `traces` (one per article), else new ones.
        """
        if not articles:
            return []
        traces = [new_trace_id() for _ in articles] if traces is None else traces
        args: list[str | bytes] = []
        for article, trace_id in zip(articles, traces, strict=True):
            payload = await envelope(ArticleIngested(article=article), trace_id)
            args += [article.id, text_key(article), payload]
        args.append(DATA_FIELD)
        if self._script is None:
            self._script = self.redis.register_script(ACCEPT_SCRIPT)
        flat = await self._script(keys=[self.seen_key, self.stream, self.texts_key], args=args)
        pairs = zip(flat[::2], flat[1::2], traces, strict=True)
        return [Admission(text(i), bool(new), t if new else None) for i, new, t in pairs]

    async def accept(self, articles: Sequence[Article]) -> list[bool]:
        """Publish the articles not seen before; return, per article, whether it was new."""
        return [admission.new for admission in await self.admit(articles)]
