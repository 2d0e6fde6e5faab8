"""Fail when the Japanese catalogue is incomplete: `python -m mamori.core.i18n_check`.

1. Every entry of mamori/locale/ja/.../django.po has a translation and none is fuzzy.
2. Every message in the code and templates today (extracted afresh with Django's
   makemessages into a temporary folder, never touching the real catalogue) is in that file.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from babel.messages.pofile import read_po

PACKAGE_DIR = Path(__file__).resolve().parents[1]
PO_PATH = PACKAGE_DIR / "locale" / "ja" / "LC_MESSAGES" / "django.po"


def _key(message_id: str | tuple[str, ...]) -> str:
    return message_id[0] if isinstance(message_id, tuple) else message_id


def catalogue_problems(po_path: Path = PO_PATH) -> tuple[set[str], list[str]]:
    """(message ids present, problems) of the committed catalogue."""
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale="ja")
    problems = []
    present = set()
    for message in catalog:
        if not message.id:
            continue
        key = _key(message.id)
        present.add(key)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            problems.append(f"missing Japanese translation: {key!r}")
        if message.fuzzy:
            problems.append(f"fuzzy Japanese translation: {key!r}")
    return present, problems


def extracted_ids() -> set[str] | None:
    """Message ids in the sources now, or None when xgettext is not installed."""
    if shutil.which("xgettext") is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        source = tmp_path / "src"
        shutil.copytree(
            PACKAGE_DIR,
            source,
            ignore=shutil.ignore_patterns("locale", "tests", "__pycache__", "*.mo"),
        )
        (tmp_path / "locale").mkdir()
        (tmp_path / "i18n_extract_settings.py").write_text(
            "from mamori.settings import *  # noqa\n"
            f"LOCALE_PATHS = [{str(tmp_path / 'locale')!r}]\n"
        )
        env = dict(os.environ)
        env["DJANGO_SETTINGS_MODULE"] = "i18n_extract_settings"
        env["PYTHONPATH"] = os.pathsep.join([tmp, str(PACKAGE_DIR.parent)])
        subprocess.run(
            [sys.executable, "-m", "django", "makemessages", "-l", "ja", "--no-obsolete"],
            cwd=source,
            env=env,
            check=True,
            capture_output=True,
        )
        with (tmp_path / "locale" / "ja" / "LC_MESSAGES" / "django.po").open("rb") as handle:
            return {_key(m.id) for m in read_po(handle, locale="ja") if m.id}


def main() -> int:
    present, problems = catalogue_problems()
    wanted = extracted_ids()
    if wanted is None:
        message = "xgettext (GNU gettext) not installed: cannot extract messages"
        if os.environ.get("CI") == "true":
            print(f"FAILED: {message}")
            return 1
        print(f"SKIPPED: {message}; only the catalogue itself was checked")
    else:
        for key in sorted(wanted - present):
            problems.append(f"message not in the Japanese catalogue: {key!r}")
    for problem in problems:
        print(problem)
    if problems:
        print(
            f"{len(problems)} translation problem(s). Run `cd mamori && django-admin makemessages "
            "-l ja --no-obsolete` and translate every entry."
        )
        return 1
    print(f"Japanese catalogue complete: {len(present)} messages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
