import json
import logging

import pytest
import structlog

from shared.runtime.logging import configure_logging, get_logger


def test_json_logs_carry_service_and_bound_ids(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("unit", "INFO", "json")
    with structlog.contextvars.bound_contextvars(article_id="abc"):
        get_logger("t").info("hello", n=1)
        logging.getLogger("faststream.redis").info("from stdlib %s", "too")
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert lines[0]["event"] == "hello"
    assert lines[0]["service"] == "unit"
    assert lines[0]["article_id"] == "abc"
    assert lines[1]["event"] == "from stdlib too"
    assert lines[1]["logger"] == "faststream.redis"
    assert lines[1]["article_id"] == "abc"


def test_levels_below_the_setting_are_dropped(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("unit", "WARNING", "json")
    get_logger("t").info("quiet")
    assert capsys.readouterr().err == ""
