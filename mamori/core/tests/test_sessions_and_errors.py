"""Sessions are written only when they change (and once a minute to keep idle expiry), and
error answers never need the database: the API answers JSON, a full disk is named."""

from __future__ import annotations

import errno
import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.db import OperationalError
from django.test import Client, RequestFactory

from mamori.core import errors
from mamori.core.middleware import ACTIVITY_KEY, activity_refresh_seconds


def _session_row(client: Client) -> Session:
    return Session.objects.get(session_key=client.session.session_key)


@pytest.mark.django_db
def test_a_read_only_page_does_not_write_the_session(
    org: Any, members: dict[str, Any], client_as: Callable[..., Client]
) -> None:
    client = client_as(members["viewer"])
    assert client.get(f"/o/{org.slug}/").status_code == 200  # records the activity once
    before = _session_row(client)
    response = client.get(f"/o/{org.slug}/")
    assert response.status_code == 200
    after = _session_row(client)
    assert (after.expire_date, after.session_data) == (before.expire_date, before.session_data)
    assert "sessionid" not in response.cookies


@pytest.mark.django_db
def test_a_session_in_use_keeps_its_idle_expiry_moving(
    org: Any, members: dict[str, Any], client_as: Callable[..., Client]
) -> None:
    client = client_as(members["viewer"])
    session = client.session
    session[ACTIVITY_KEY] = int(time.time()) - activity_refresh_seconds() - 1
    session.save()
    before = _session_row(client).expire_date
    response = client.get(f"/o/{org.slug}/")
    assert response.status_code == 200
    assert "sessionid" in response.cookies  # the cookie's lifetime starts again too
    assert _session_row(client).expire_date > before


@pytest.mark.django_db
def test_unknown_api_paths_answer_json() -> None:
    response = Client().get("/api/no-such-thing/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert "detail" in json.loads(response.content)


def _raised(error: BaseException) -> BaseException:
    try:
        raise error
    except BaseException as caught:  # noqa: BLE001 - we want it with its traceback
        return caught


def test_a_full_disk_is_named_in_the_error_page_and_as_json_on_the_api() -> None:
    factory = RequestFactory()
    disk_full = _raised(OSError(errno.ENOSPC, "No space left on device", "/srv/mamori/files/x"))
    page = errors.fault_response(factory.get("/o/x/"), disk_full)
    assert page is not None and page.status_code == 507
    assert "/srv/mamori/files" in page.content.decode()
    api = errors.fault_response(factory.get("/api/x"), disk_full)
    assert api is not None and api["Content-Type"].startswith("application/json")
    assert "/srv/mamori/files" in json.loads(api.content)["detail"]

    sqlite_full = _raised(OperationalError("database or disk is full"))
    answer = errors.fault_response(factory.get("/"), sqlite_full)
    assert answer is not None and answer.status_code == 507


def test_a_write_is_retried_through_an_outage_until_it_succeeds_or_the_deadline() -> None:
    from mamori.core import outage

    calls: list[int] = []
    pauses: list[float] = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 4:
            raise OperationalError("server closed the connection unexpectedly")
        return "recorded"

    result = outage.retry_on_outage(
        flaky, deadline=time.monotonic() + 600, what="test", sleep=pauses.append
    )
    assert result == "recorded"
    assert len(calls) == 4
    assert pauses == sorted(pauses) and pauses[0] < pauses[-1]  # growing backoff
    assert not outage.is_down()  # reported back after the success

    def never() -> None:
        raise OperationalError("connection refused")

    with pytest.raises(OperationalError):
        outage.retry_on_outage(never, deadline=time.monotonic() - 1, what="test")
    outage.report_available()
