"""Bytes a stream entry takes, plain and deflated, and what deflating costs.

    .venv/bin/python -m bench.wire_compression ../shared/data [--headlines 2000] [--skip 100000]
    .venv/bin/python -m bench.wire_compression ../shared/data --candidate wire-dictionary-2.txt

Enriches a contiguous run of UCI dev headlines and the ECB+ dev full texts with the real
enricher, then prints, per enriched event: its JSON, FastStream's envelope, the envelope
deflated with no dictionary and with the wire's preset dictionary (what Redis holds), and
the microseconds to deflate and inflate one. `--candidate` writes the dictionary this module
builds (from the event models and the taxonomy, no data): dictionary 1 was made so, and a
new one needs a new tag in `shared.contracts.wire`.
"""

import argparse
import asyncio
import statistics
import time
import zlib
from collections.abc import Callable
from pathlib import Path

from bench.enrichment_quality import event
from bench.enrichment_worker import load
from bench.quality_data import read_jsonl
from services.enrichment.pipeline import Enricher, load_models
from services.enrichment.settings import Settings
from shared.contracts.themes import load_taxonomy
from shared.contracts.vectors import EMBEDDER_DIMENSIONS
from shared.contracts.wire import deflate, encode, inflate

HEADLINES = "uci-news-aggregator.dev.jsonl.gz"
FULL_TEXT = "ecbplus.dev.jsonl.gz"
SKELETON = (
    '{"schema_version":1,"article":{"id":"","title":"","body":null,"description":null,'
    '"url":"http://","canonical_url":"https://","source":"","published_at":'
    '"2026-01-01T00:00:00Z","language":"en"},"enrichment":{"language":"en",'
    '"language_confidence":0.99,"language_source":"detected","lede":"","word_count":0,'
    '"reading_time_minutes":0,"entities":[],"keywords":["",""],"themes":[{"slug":"","name":'
    '"","level":1,"top":"","score":0.}],"embedding":"i8:","embedding_model":'
    '"use-multilingual-v3","ran":["word_count","reading_time","lede","language","entities",'
    '"keywords","embedding","themes"],"skipped":{"lede":"no body or description"}},'
    '"ingested_at":"2026-01-01T00:00:00.000000Z","enriched_at":"2026-01-01T00:00:00.000000Z"}'
)
ENTITIES = "".join(
    f'{{"type":"{kind}","name":"","mentions":1,"first_position":0,"country":{country}}},'
    for kind, country in (("place", '"US"'), ("organisation", "null"), ("person", "null"))
)


def _theme(slug: str, name: str, level: int, top: str) -> str:
    return f'{{"slug":"{slug}","name":"{name}","level":{level},"top":"{top}","score":0.'


def candidate_dictionary() -> bytes:
    """Return a preset dictionary built from the event models and the taxonomy (no data)."""
    topics = load_taxonomy().topics
    # Rarer strings first: deflate reaches the end of a dictionary with the shortest distances.
    parts = [_theme(t.slug, t.name, 2, t.top) for t in topics if t.level == 2]
    parts.append("content-typeapplication/jsoncorrelation_idtrace_idmessage_idreply_to")
    parts.append(
        '"skipped":{"lede":"no body or description","themes":"no embedding",'
        '"entities":"language not supported"}'
    )
    parts.append("https://www.http://www.com/news/article/index.html?utm_source=rss&.co.uk/.org/")
    parts += [_theme(t.slug, t.name, 1, t.slug) for t in topics if t.level == 1]
    parts += [f'"embedding":"i8:","embedding_model":"{m}",' for m in EMBEDDER_DIMENSIONS]
    parts += [f'"entities":[{ENTITIES[:-1]}],', SKELETON]
    return "".join(parts).encode()[-32_768:]


def enriched(enricher: Enricher, data: Path, headlines: int, skip: int) -> dict[str, list[bytes]]:
    """Return the enriched events' JSON: UCI headlines from row `skip` on, and ECB+ full text."""
    rows = read_jsonl(data / HEADLINES)
    uci = [event(r) for i, r in zip(range(skip + headlines), rows, strict=False) if i >= skip]
    ecb = load(data / FULL_TEXT, 10_000)
    return {
        name: [e.model_dump_json().encode() for e in enricher.enrich(events)]
        for name, events in (("UCI headlines", uci), ("ECB+ full text", ecb))
    }


def micros(run: Callable[[bytes], object], items: list[bytes]) -> float:
    """Mean microseconds of `run` over the items."""
    started = time.perf_counter()
    for item in items:
        run(item)
    return (time.perf_counter() - started) / len(items) * 1e6


def report(name: str, bodies: list[bytes]) -> None:
    """Print the sizes and costs of one set of enriched events."""
    envelopes = [asyncio.run(_envelope(b)) for b in bodies]
    stored = [deflate(e) for e in envelopes]
    if any(inflate(s) != e for s, e in zip(stored, envelopes, strict=True)):
        raise SystemExit("an envelope did not inflate back to itself")

    def mean(values: list[bytes]) -> float:
        return statistics.fmean(len(v) for v in values)

    plain_zlib = [zlib.compress(e, 6) for e in envelopes]
    print(f"\n{name} ({len(bodies):,} events), bytes per event:")
    print(f"  JSON {mean(bodies):,.0f}; envelope {mean(envelopes):,.0f}")
    print(f"  deflated, no dictionary {mean(plain_zlib):,.0f}")
    print(f"  deflated, wire dictionary (stored) {mean(stored):,.0f}")
    print(f"  stored / envelope {mean(stored) / mean(envelopes):.2f}")
    saved = (mean(envelopes) - mean(stored)) * 300_000 / 2**20
    print(f"  saved at 300,000 events: {saved:,.0f} MiB")
    print(
        f"  deflate {micros(deflate, envelopes):.0f} us, inflate {micros(inflate, stored):.0f} us"
    )


async def _envelope(body: bytes) -> bytes:
    return inflate(await encode(body, "0" * 32))


def main() -> None:
    """Enrich the data, then report each set; or write a candidate dictionary."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data", type=Path)
    parser.add_argument("--headlines", type=int, default=2_000)
    parser.add_argument("--skip", type=int, default=100_000)
    parser.add_argument("--candidate", type=Path)
    args = parser.parse_args()
    if args.candidate:
        args.candidate.write_bytes(candidate_dictionary())
        return
    settings = Settings()
    enricher = Enricher(load_models(settings.embedder, settings.theme_rules))
    for name, bodies in enriched(enricher, args.data, args.headlines, args.skip).items():
        report(name, bodies)


if __name__ == "__main__":
    main()
