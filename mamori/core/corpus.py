"""Where the shared real-world sample files are (../shared/corpus beside the repository).

Tests that read them skip cleanly when the folder is absent; nothing from it is copied into the
repository.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parents[2]


def corpus_dir(*parts: str) -> Path | None:
    """The corpus folder (or a sub-folder of it), or None when it is not on this machine."""
    configured = os.environ.get("MAMORI_CORPUS_DIR")
    base = Path(configured) if configured else REPO_DIR.parent / "shared" / "corpus"
    path = base.joinpath(*parts)
    return path if path.exists() else None
