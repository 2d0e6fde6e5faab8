"""Structured logs and request latency: every line carries its request/job/organisation id, the
JSON format is one parsable object per line, secrets and mail addresses never reach the log, and
/metrics shows a latency histogram per route name (never a path)."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import override_settings

from mamori.core import latency
from mamori.core.logcontext import ContextFilter, JsonFormatter, PlainFormatter, job_context

TOKEN = "metrics-token-for-tests-0123456789"


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """Everything logged anywhere, written by the JSON formatter as production would."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    requests_logger = logging.getLogger("mamori.requests")
    old_levels = (root.level, requests_logger.level)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    requests_logger.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(old_levels[0])
        requests_logger.setLevel(old_levels[1])


def _lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


@pytest.mark.django_db
def test_a_request_line_carries_request_and_organisation_ids(
    json_log: io.StringIO, org: Any, members: dict[str, Any], client_as: Any
) -> None:
    client = client_as(members["owner"])
    response = client.get(f"/o/{org.slug}/", HTTP_X_REQUEST_ID="proxy-given-id-123")
    assert response.status_code == 200
    assert response["X-Request-ID"] == "proxy-given-id-123"
    access = [e for e in _lines(json_log) if e["logger"] == "mamori.requests"]
    assert access, json_log.getvalue()
    line = access[-1]
    assert line["request_id"] == "proxy-given-id-123"
    assert line["org_id"] == str(org.pk)
    assert line["route"] == "core:dashboard"
    assert line["status"] == 200
    assert f"/o/{org.slug}/" not in json.dumps(line)


@pytest.mark.django_db
def test_an_unsafe_incoming_request_id_is_replaced(client: Any) -> None:
    response = client.get("/healthz", HTTP_X_REQUEST_ID="bad id\nforged: line")
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_job_lines_carry_the_job_and_organisation(json_log: io.StringIO) -> None:
    with job_context(4711, 12):
        logging.getLogger("mamori.jobs").warning("job stopped")
    logging.getLogger("mamori.jobs").warning("outside")
    inside, outside = _lines(json_log)[-2:]
    assert (inside["job_id"], inside["org_id"]) == ("4711", "12")
    assert "job_id" not in outside and "org_id" not in outside


def test_secrets_and_addresses_are_masked_in_both_formats() -> None:
    record = logging.LogRecord(
        "mamori.test",
        logging.WARNING,
        __file__,
        1,
        "smtp login failed for taro@example.jp password=hunter2 "
        'token: abc123 {"api_key": "k-999"} Authorization: Bearer eyJ.abc.def '
        "url=smtp://user:s3cret@mail.example.jp:587",
        None,
        None,
    )
    ContextFilter().filter(record)
    for formatter in (JsonFormatter(), PlainFormatter()):
        text = formatter.format(record)
        for secret in ("hunter2", "abc123", "k-999", "eyJ.abc.def", "s3cret", "taro@example.jp"):
            assert secret not in text, (type(formatter).__name__, text)
        assert "[redacted]" in text and "[address]" in text


@pytest.mark.django_db
def test_sign_in_and_api_use_leave_no_password_or_token_in_the_log(
    json_log: io.StringIO, org: Any, members: dict[str, Any], client: Any
) -> None:
    from conftest import PASSWORD

    owner = members["owner"]
    client.post("/accounts/login/", {"username": owner.email, "password": "wrong-Password-1"})
    client.post("/accounts/login/", {"username": owner.email, "password": PASSWORD})
    client.get("/api/orgs", HTTP_AUTHORIZATION="Bearer not-a-real-token-0123456789")
    text = json_log.getvalue()
    assert "wrong-Password-1" not in text
    assert PASSWORD not in text
    assert "not-a-real-token-0123456789" not in text
    assert owner.email not in text


@pytest.mark.django_db
def test_metrics_show_a_latency_histogram_per_route(
    org: Any, members: dict[str, Any], client_as: Any, client: Any, tmp_path: Any
) -> None:
    with override_settings(METRICS_TOKEN=TOKEN, DATA_DIR=tmp_path):
        latency.reset_for_tests()
        owner = client_as(members["owner"])
        for _ in range(3):
            assert owner.get(f"/o/{org.slug}/").status_code == 200
        # Another web process's totals, as it would have written them.
        (tmp_path / "metrics").mkdir(exist_ok=True)
        other = {"core:dashboard": {"buckets": [2] + [0] * 9, "count": 2, "sum": 0.01}}
        (tmp_path / "metrics" / "latency-999999.json").write_text(json.dumps({"routes": other}))
        body = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").content.decode()
    name = "mamori_http_request_duration_seconds"
    assert f"# TYPE {name} histogram" in body
    count = re.search(rf'^{name}_count{{route="core:dashboard"}} (\d+)$', body, re.M)
    assert count is not None and int(count.group(1)) == 5
    assert f'{name}_bucket{{le="+Inf",route="core:dashboard"}} 5' in body
    assert f"/o/{org.slug}" not in body
