"""Each audit test writes its own head file, so heads of other tests (or other runs against the
same data folder) never meet its database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def own_head_file(settings: Any, tmp_path: Path) -> Path:
    path = tmp_path / "audit-head.log"
    settings.AUDIT_HEAD_FILE = path
    return path
