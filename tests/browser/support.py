"""Shared pieces of the browser tests: start `mamori serve` as a new user would, drive Debian's
Chromium with Playwright, and go through the first-run page (owner + TOTP enrolment)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from base64 import b32decode
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django_otp.oath import totp

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "kaisha-no-himitsu-2026"  # noqa: S105 - test account
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def artifacts_dir() -> Path:
    """Where screenshots go: $MAMORI_ARTIFACTS_DIR (CI keeps it as an artefact), else
    var/test-artifacts/screenshots in the checkout (git-ignored)."""
    root = Path(__file__).resolve().parents[2]
    folder = Path(
        os.environ.get("MAMORI_ARTIFACTS_DIR")
        or os.environ.get("MAMORI_SCREENSHOTS")
        or root / "var" / "test-artifacts" / "screenshots"
    )
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_server(data_dir: Path, **extra_env: str) -> Iterator[str]:
    """`mamori serve` on a free port with its own SQLite data directory; yields the base URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(MAMORI_DATA_DIR=str(data_dir), MAMORI_BASE_URL=base, **extra_env)
    process = subprocess.Popen(
        [sys.executable, "-m", "mamori.cli", "serve", "--port", str(port), "--no-worker"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 120
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(process.stdout.read().decode()) from None
            if time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("mamori serve did not start") from None
            time.sleep(0.3)
    try:
        yield base
    finally:
        process.terminate()
        assert process.wait(timeout=30) == 0


def code_for(secret: str, drift: int = 0) -> str:
    key = secret.replace(" ", "")
    key += "=" * (-len(key) % 8)
    return f"{totp(b32decode(key), drift=drift):06d}"


def first_run(page: Any, base: str, organization: str, name: str, email: str) -> str:
    """Create the organisation and its owner on the first-run page and enrol TOTP.
    Returns the TOTP secret; leaves the browser on the recovery codes page."""
    page.goto(base + "/")
    assert page.url.endswith("/setup/")
    page.fill("#id_organization", organization)
    page.fill("#id_full_name", name)
    page.fill("#id_email", email)
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/accounts/mfa/setup/**")
    assert page.locator("img.qr").count() == 1
    secret = page.locator("[data-testid=totp-secret]").inner_text()
    page.fill("#id_code", code_for(secret))
    page.click("form button.primary")
    page.wait_for_url("**/accounts/mfa/recovery-codes/")
    return secret
