"""Fixtures for the browser tests (marked `browser`; run by the test command's last stage)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .support import CHROMIUM, CHROMIUM_ARGS, running_server


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    with running_server(tmp_path / "data") as base:
        yield base


@pytest.fixture
def page() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is required on CI")
        pytest.skip("no /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="ja-JP")
        page = context.new_page()
        page.csp_errors = []  # type: ignore[attr-defined]
        page.on(
            "console",
            lambda msg: "Content Security Policy" in msg.text and page.csp_errors.append(msg.text),
        )
        yield page
        browser.close()
