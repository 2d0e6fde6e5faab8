"""Compile the gettext catalogues (.po → .mo) with Babel, so no system gettext is needed."""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"


def compile_catalogs(locale_dir: Path = LOCALE_DIR, *, force: bool = False) -> list[Path]:
    """Write each .mo that is missing or older than its .po; return the files written."""
    written = []
    for po_path in sorted(locale_dir.glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if not force and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=po_path.parts[-3])
        tmp = mo_path.with_suffix(".mo.tmp")
        with tmp.open("wb") as handle:
            # Fuzzy entries are not used: a test fails on them anyway.
            write_mo(handle, catalog, use_fuzzy=False)
        tmp.replace(mo_path)
        written.append(mo_path)
    return written
