"""Issue 18 in a real browser: a drill recipient opens the link from the drill mail and gets
the landing page in their language (no JavaScript, no CSP error); the visit counts as their
click, while the scanner access recorded before it stays excluded."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .support import running_server

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    data = tmp_path / "data"
    with running_server(data) as base:
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env.update(MAMORI_DATA_DIR=str(data), MAMORI_BASE_URL=base)
        subprocess.run(
            [sys.executable, "-m", "mamori.cli", "demo"],
            env=env,
            check=True,
            capture_output=True,
            timeout=300,
        )
        yield base, data / "mamori.sqlite3"


def _rows(db: Path, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as connection:
        return list(connection.execute(sql, args))


def test_recipient_clicks_the_drill_link_and_learns_what_to_notice(
    demo_server: tuple[str, Path], page: Any
) -> None:
    base, db = demo_server
    # The demo's person whose only access so far was a mail scanner's.
    (recipient_id, token), *_ = _rows(
        db,
        "SELECT id, token FROM training_drillrecipient "
        "WHERE machine_events > 0 AND clicked_at IS NULL",
    )
    response = page.goto(f"{base}/d/{token}/")
    assert response.status == 200
    assert page.locator("h1").inner_text() == "これは訓練のメールでした"
    text = page.locator("main").inner_text()
    assert "ハンドブック 第7章 §7.1" in text
    assert "長い休みの明け" in text  # the scenario's own lesson
    assert page.csp_errors == []
    [(clicked_at, machine_events)] = _rows(
        db,
        "SELECT clicked_at, machine_events FROM training_drillrecipient WHERE id = ?",
        recipient_id,
    )
    assert clicked_at is not None and machine_events == 1
    [(user_agent, reason)] = _rows(
        db,
        "SELECT user_agent, machine_reason FROM training_drillevent "
        "WHERE recipient_id = ? AND machine_reason = '' ",
        recipient_id,
    )
    assert "Chrome" in user_agent and reason == ""
