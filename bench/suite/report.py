"""The figures as one table, each against its target, and as JSON."""

from collections.abc import Mapping
from typing import Any

TARGETS = {
    "pipeline_vs_enrichment": 0.8,
    "pipeline_headlines_per_s": 600.0,
    "fulltext_per_s": 25.0,
    "api_p95_ratio": 1.25,
    "delay_p95_s": 2.0,
    "related_delay_p95_s": 5.0,
    "system_mib_at_300k_projected": 3072.0,
}


def verdicts(f: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Each target with the measured value and whether it is met."""
    delay = f["steady"]["p95_s"]
    related = (f["steady"].get("related_s") or {}).get("p95")
    values = {
        "pipeline_vs_enrichment": f["headlines"]["per_s"] / f["enrichment_alone"]["per_s"],
        "pipeline_headlines_per_s": f["headlines"]["per_s"],
        "fulltext_per_s": f["fulltext"]["per_s"],
        "api_p95_ratio": f["search"]["verdict"]["ratio_p95"],
        "delay_p95_s": float("inf") if delay is None else delay,
        "related_delay_p95_s": float("inf") if related is None else related,
        "system_mib_at_300k_projected": f["projection"]["projected_total_mib"],
    }
    lower_is_better = {
        "api_p95_ratio", "delay_p95_s", "related_delay_p95_s", "system_mib_at_300k_projected"
    }  # fmt: skip
    return {
        name: {
            "value": value,
            "target": TARGETS[name],
            "met": value <= TARGETS[name] if name in lower_is_better else value >= TARGETS[name],
        }
        for name, value in values.items()
    }


def lines(f: Mapping[str, Any]) -> list[str]:
    """The printed report."""
    out = [
        f"\nontheme bench: {f['size']:,} UCI headlines, {f['fulltext']['articles']:,} ECB+ texts"
    ]
    out += _rates(f) + _stages(f) + _search(f) + _memory(f) + ["", "targets:"]
    for name, v in f["verdicts"].items():
        out.append(
            f"  {name:28} {v['value']:10.2f}  target {v['target']:8.2f}  "
            + ("met" if v["met"] else "NOT MET")
        )
    return out


def _rates(f: Mapping[str, Any]) -> list[str]:
    rows = [
        ("raw Meilisearch indexing", f["raw_meilisearch"]["per_s"], "documents/s"),
        ("enrichment worker alone", f["enrichment_alone"]["per_s"], "headlines/s"),
        ("whole pipeline, headlines", f["headlines"]["per_s"], "headlines/s"),
        ("whole pipeline, full text", f["fulltext"]["per_s"], "articles/s"),
    ]
    return ["", *(f"  {name:34} {rate:10.1f} {unit}" for name, rate, unit in rows)]


def _stages(f: Mapping[str, Any]) -> list[str]:
    out = ["", f"  {'headlines run, per stage':34} {'per s':>10} {'CPU share':>10}"]
    run = f["headlines"]
    for stage, rate in run["stages"].items():
        name = "ontheme ingest" if stage == "ingest" else stage
        # Extra processes of a worker (`enrichment-2`) count with it.
        share = sum(v for k, v in run["cpu_share"].items() if k.split("-")[0] == name)
        out.append(f"  {stage:34} {rate['per_s']:10.1f} {share:10.1%}")
    shares = run["cpu_share"]
    out += [
        f"  {n:34} {'':>10} {shares.get(n, 0.0):10.1%}"
        for n in ("redis", "meilisearch", "search", "poller")
    ]
    out.append(f"  {'cores busy (of 2)':34} {run['cores_busy']:10.2f}")
    return out


def _search(f: Mapping[str, Any]) -> list[str]:
    paths = f["search"]["paths"]
    out = ["", f"  {'search latency, ms':34} {'p50':>7} {'p95':>7} {'p99':>7}"]
    for name in ("api", "meili_identity", "meili_close"):
        s = paths[name]
        out.append(f"  {name:34} {s['p50']:7.1f} {s['p95']:7.1f} {s['p99']:7.1f}")
    d = f["steady"]
    out.append(
        f"  ingest to searchable at {d['rate']:.0f}/s: p50 {_s(d['p50_s'])}, "
        f"p95 {_s(d['p95_s'])}, max {_s(d['max_s'])} ({d['found']}/{d['accepted']} found)"
    )
    r = d.get("related_s")
    if r:
        out.append(
            f"  ingest to related stored: p50 {_s(r['p50'])}, p95 {_s(r['p95'])}, "
            f"max {_s(r['max'])} ({d['related_stored']}/{d['accepted']} stored)"
        )
    for part, spread in d["parts_s"].items():
        if spread:
            out.append(f"    sent {part}: p50 {_s(spread['p50'])}, p95 {_s(spread['p95'])}")
    return out


def _memory(f: Mapping[str, Any]) -> list[str]:
    m, p = f["memory"], f["projection"]
    out = [
        "",
        "  peak RSS, MiB: " + ", ".join(f"{k} {v:.0f}" for k, v in m["peak_rss_mib"].items()),
    ]
    out.append(
        f"  whole system peak {m['peak_total_rss_mib']:.0f} MiB resident, "
        f"{m['peak_total_anon_mib']:.0f} MiB of it anonymous; Redis used_memory "
        f"{m['redis_used_memory_mib']:.0f} MiB; projected at {p['at']:,} headlines "
        f"{p['projected_total_mib']:.0f} MiB (Redis {p['redis_mib_per_1000']:.1f} and "
        f"Meilisearch {p['meili_db_mib_per_1000']:.1f} MiB per 1,000)"
    )
    return out


def _s(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:.2f} s"
