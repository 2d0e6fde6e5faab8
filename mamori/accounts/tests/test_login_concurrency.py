"""Issue 11 item 9: concurrent guesses against a live server cannot get past the login rate
limit, and password hashing (Argon2, memory-hungry) runs at most N at once, with a clear
"try again" when no slot comes free."""

from __future__ import annotations

import re
import threading
from typing import Any

import httpx
import pytest

from conftest import PASSWORD
from mamori.accounts import hashers
from mamori.accounts.models import LoginAttempt
from mamori.audit.models import AuditEvent

GUESSES = 16


def _login_form(client: httpx.Client, base: str) -> str:
    page = client.get(base + "/accounts/login/")
    assert page.status_code == 200
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert match is not None
    return match.group(1)


def _concurrent_logins(base: str, email: str, passwords: list[str]) -> list[httpx.Response]:
    """One client per password, all posting at the same moment (a barrier, not a sleep)."""
    barrier = threading.Barrier(len(passwords))
    results: list[httpx.Response | BaseException] = [RuntimeError("not run")] * len(passwords)

    def guess(index: int) -> None:
        try:
            with httpx.Client(timeout=120) as client:
                token = _login_form(client, base)
                barrier.wait(timeout=60)
                results[index] = client.post(
                    base + "/accounts/login/",
                    data={
                        "email": email,
                        "password": passwords[index],
                        "csrfmiddlewaretoken": token,
                    },
                    headers={"Referer": base + "/accounts/login/"},
                )
        except BaseException as error:  # noqa: BLE001 - reported below
            results[index] = error
            barrier.abort()

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(len(passwords))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results  # type: ignore[return-value]


@pytest.mark.django_db(transaction=True)
def test_concurrent_guesses_are_counted_before_they_are_evaluated(
    live_server: Any, settings: Any, members: dict[str, Any]
) -> None:
    settings.LOGIN_MAX_FAILURES_PER_ACCOUNT = 5
    settings.LOGIN_MAX_FAILURES_PER_IP = 100
    settings.PASSWORD_HASH_WAIT_SECONDS = 60  # queue, never refuse, in this test
    responses = _concurrent_logins(
        live_server.url, "viewer@example.jp", [f"wrong-guess-{i}" for i in range(GUESSES)]
    )
    assert all(r.status_code == 200 for r in responses)
    evaluated = AuditEvent.objects.filter(action="login.failure").count()
    blocked = AuditEvent.objects.filter(action="login.blocked").count()
    assert evaluated == 5, f"{evaluated} guesses were evaluated against a limit of 5"
    assert blocked == GUESSES - 5
    assert LoginAttempt.objects.filter(succeeded=False).count() == 5
    paused = sum("一時停止" in r.text for r in responses)
    assert paused == GUESSES - 5


@pytest.mark.django_db(transaction=True)
def test_password_hashing_is_bounded_and_busy_is_explained(
    live_server: Any, settings: Any, members: dict[str, Any]
) -> None:
    # Guesses in flight count against the limits (that is the fix): room for 8 at once here.
    settings.LOGIN_MAX_FAILURES_PER_ACCOUNT = 100
    settings.LOGIN_MAX_FAILURES_PER_IP = 100
    settings.PASSWORD_HASH_CONCURRENCY = 2
    settings.PASSWORD_HASH_WAIT_SECONDS = 60
    hashers.peak_in_use(reset=True)
    responses = _concurrent_logins(live_server.url, "viewer@example.jp", [PASSWORD] * 8)
    errors = [r.text[:200] for r in responses if r.status_code != 302]
    assert [r.status_code for r in responses] == [302] * 8, errors  # queued, all signed in
    assert 1 <= hashers.peak_in_use() <= 2

    # Every slot taken (here by the test itself) and no time to wait: a clear "try again".
    settings.PASSWORD_HASH_WAIT_SECONDS = 0
    semaphore = hashers.slots()
    assert semaphore.acquire(timeout=60) and semaphore.acquire(timeout=60)
    try:
        busy = _concurrent_logins(live_server.url, "editor@example.jp", [PASSWORD])[0]
    finally:
        semaphore.release()
        semaphore.release()
    assert busy.status_code == 503
    assert "混み合って" in busy.text
    # The guess was never evaluated: it is not counted against the account.
    assert not LoginAttempt.objects.filter(username="editor@example.jp").exists()
    assert (
        _concurrent_logins(live_server.url, "editor@example.jp", [PASSWORD])[0].status_code == 302
    )
