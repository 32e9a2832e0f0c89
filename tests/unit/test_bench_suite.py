"""The bench suite's arithmetic: stage rates, CPU shares, memory projection and verdicts."""

import pytest

from bench.suite.memory import projection
from bench.suite.monitor import Sample, cpu_used, stage_rate
from bench.suite.report import verdicts


def sample(at: float, done: int, cpu: float = 0.0, redis_kib: int = 0) -> Sample:
    """A sample with one stage count and one process."""
    return Sample(at, {"enrichment": cpu}, {"redis": redis_kib}, {"stage": done})


def test_stage_rate_counts_only_while_the_stage_was_rising() -> None:
    window = [sample(0, 0), sample(1, 0), sample(2, 100), sample(3, 200), sample(9, 200)]
    rate = stage_rate(window, "stage")
    # Rising from the sample at 1 s (the last before the count moved) to 3 s, when it peaked.
    assert rate == {"count": 200, "seconds": 2.0, "per_s": 100.0}


def test_stage_rate_of_an_idle_stage_is_zero() -> None:
    assert stage_rate([sample(0, 5), sample(1, 5)], "stage")["per_s"] == 0.0


def test_cpu_used_is_the_difference_over_the_window() -> None:
    assert cpu_used([sample(0, 0, cpu=1.5), sample(5, 0, cpu=4.0)]) == {"enrichment": 2.5}


def test_projection_grows_redis_and_meilisearch_only() -> None:
    before, after = sample(0, 0, redis_kib=1024), sample(1, 0, redis_kib=1024 + 1024 * 10)
    peaks = {"enrichment": 400.0, "redis": 20.0, "meilisearch": 100.0}
    figures = projection(before, after, 1000, 5.0, peaks)
    # 10 MiB of Redis and 5 MiB of database per 1,000: 299,000 more documents.
    assert figures["projected_total_mib"] == pytest.approx(520 + 299 * 15)


def test_verdicts_compare_each_figure_with_its_target() -> None:
    figures = {
        "headlines": {"per_s": 300.0},
        "enrichment_alone": {"per_s": 400.0},
        "fulltext": {"per_s": 30.0},
        "search": {"verdict": {"ratio_p95": 1.1}},
        "steady": {"p95_s": None, "related_s": {"p95": 4.2}},
        "projection": {"projected_total_mib": 2000.0},
    }
    met = {name: v["met"] for name, v in verdicts(figures).items()}
    assert met == {
        "pipeline_vs_enrichment": False,
        "pipeline_headlines_per_s": False,
        "fulltext_per_s": True,
        "api_p95_ratio": True,
        "delay_p95_s": False,  # nothing found is not fast
        "related_delay_p95_s": True,
        "system_mib_at_300k_projected": True,
    }
