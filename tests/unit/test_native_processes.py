"""`make run` with several processes of a worker: names, metrics ports, bad counts."""

from pathlib import Path

import pytest

from deploy.native.local import UsageError, read_config
from deploy.native.stack import process_plan


def test_extra_processes_get_names_and_metrics_ports_of_their_own() -> None:
    plan = list(process_plan({}, {"enrichment": 3}))
    names = [name for name, _, _ in plan]
    assert names[:3] == ["enrichment", "enrichment-2", "enrichment-3"]
    assert names[3:] == ["indexing", "related", "poller", "ingest", "search"]
    extra = {name: env for name, _, env in plan if env}
    assert extra == {
        "enrichment-2": {"ENRICHMENT_METRICS_PORT": "9111"},
        "enrichment-3": {"ENRICHMENT_METRICS_PORT": "9121"},
    }
    assert {service for _, service, _ in plan} == {
        "enrichment", "indexing", "related", "poller", "ingest", "search"
    }  # fmt: skip


def test_a_chosen_metrics_port_is_the_base_of_the_extra_ones() -> None:
    plan = process_plan({"RELATED_METRICS_PORT": "9500"}, {"related": 2})
    assert [env for name, _, env in plan if name == "related-2"] == [
        {"RELATED_METRICS_PORT": "9510"}
    ]


def test_metrics_turned_off_stay_off_for_the_extra_processes() -> None:
    for off in ("0", ""):
        plan = process_plan({"INDEXING_METRICS_PORT": off}, {"indexing": 2})
        assert [env for name, _, env in plan if name == "indexing-2"] == [
            {"INDEXING_METRICS_PORT": "0"}
        ]


def test_only_workers_of_a_consumer_group_scale() -> None:
    with pytest.raises(ValueError, match="poller"):
        list(process_plan({}, {"poller": 2}))


def test_run_reads_process_counts_and_refuses_bad_ones() -> None:
    config = read_config(Path("."), {"ENRICHMENT_PROCESSES": "2"})
    assert config.processes == {"enrichment": 2, "indexing": 1, "related": 1}
    for bad in ("0", "two", "17"):
        with pytest.raises(UsageError, match="ENRICHMENT_PROCESSES"):
            read_config(Path("."), {"ENRICHMENT_PROCESSES": bad})
