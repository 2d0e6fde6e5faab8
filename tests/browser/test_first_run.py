"""The first-run journey in a real browser: create the owner, enrol MFA, sign out, sign in
with a TOTP code, switch the language. Runs `mamori serve` as a new user would."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from base64 import b32decode
from collections.abc import Iterator
from pathlib import Path

import pytest
from django_otp.oath import totp

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "kaisha-no-himitsu-2026"  # noqa: S105 - test account


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(MAMORI_DATA_DIR=str(tmp_path / "data"), MAMORI_BASE_URL=base)
    process = subprocess.Popen(
        [sys.executable, "-m", "mamori.cli", "serve", "--port", str(port), "--no-worker"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(process.stdout.read().decode()) from None
            time.sleep(0.3)
    else:
        process.kill()
        raise RuntimeError("mamori serve did not start")
    yield base
    process.terminate()
    assert process.wait(timeout=30) == 0


@pytest.fixture
def page(tmp_path: Path) -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is required on CI")
        pytest.skip("no /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        context = browser.new_context(locale="ja-JP")
        page = context.new_page()
        page.csp_errors = []  # type: ignore[attr-defined]
        page.on(
            "console",
            lambda msg: "Content Security Policy" in msg.text and page.csp_errors.append(msg.text),
        )
        yield page
        browser.close()


def code_for(secret: str, drift: int = 0) -> str:
    key = secret.replace(" ", "")
    key += "=" * (-len(key) % 8)
    return f"{totp(b32decode(key), drift=drift):06d}"


def test_first_owner_with_mfa_then_language_switch(
    server: str, page: object, tmp_path: Path
) -> None:
    page.goto(server + "/")
    assert page.url.endswith("/setup/")
    assert "mamori の初期設定" in page.content()
    page.fill("#id_organization", "さくら商店")
    page.fill("#id_full_name", "桜井 花子")
    page.fill("#id_email", "hanako@example.jp")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.click("button[type=submit]")

    page.wait_for_url("**/accounts/mfa/setup/**")
    assert page.locator("img.qr").count() == 1
    secret = page.locator("[data-testid=totp-secret]").inner_text()
    page.fill("#id_code", code_for(secret))
    page.click("form button.primary")
    page.wait_for_url("**/accounts/mfa/recovery-codes/")
    assert page.locator("[data-testid=recovery-codes] li").count() == 10
    page.screenshot(path=str(tmp_path / "recovery.png"))
    page.click("text=続ける")
    assert page.locator("h1").inner_text() == "さくら商店"

    page.click("text=ログアウト")
    page.wait_for_url("**/accounts/login/")
    page.fill("#id_email", "hanako@example.jp")
    page.fill("#id_password", PASSWORD)
    page.click("form button.primary")
    page.wait_for_url("**/accounts/login/verify/**")
    # The code of the next time step: the current one was used for enrolment.
    page.fill("#id_code", code_for(secret, drift=1))
    page.click("form button.primary")
    page.wait_for_selector("h1")
    assert page.locator("h1").inner_text() == "さくら商店"
    assert "ダッシュボード" in page.locator("nav.mainnav").inner_text()

    page.select_option("#lang", "en")
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert "Dashboard" in page.locator("nav.mainnav").inner_text()
    page.reload()
    assert "Dashboard" in page.locator("nav.mainnav").inner_text()
    shots = Path(os.environ.get("MAMORI_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / "dashboard-en.png"), full_page=True)
    assert page.csp_errors == []
