"""A damaged SQLite database: found at start-up, reported once while serving, and on /readyz.

At start (`mamori serve`, `mamori worker`) the header and the schema are read; when that fails
the process prints one paragraph saying what is wrong and what to do (`mamori restore` from the
newest backup, and where the backups are) and exits 1 instead of a traceback.

While serving, a damaged data page shows up as SQLite's "database disk image is malformed" on
the requests that read it: those get one clear 503 page (no traceback, no error log per
request), the damage is logged once per process, and `/readyz` answers 503 until restart.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connections
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

logger = logging.getLogger("mamori.database")

# SQLite's words for a file it cannot use (the same in every SQLite version in use).
DAMAGE_MARKERS = (
    "file is not a database",
    "database disk image is malformed",
    "malformed database schema",
    "file is encrypted or is not a database",
)

_lock = threading.Lock()
_damage: str | None = None


def is_damage(error: BaseException) -> bool:
    text = str(error).lower()
    return any(marker in text for marker in DAMAGE_MARKERS)


def damage_seen() -> str | None:
    """SQLite's words for the damage this process ran into, or None."""
    return _damage


def note_damage(error: BaseException) -> None:
    """Remember the damage; log it the first time only."""
    global _damage
    with _lock:
        first = _damage is None
        _damage = str(error)[:300]
    if first:
        logger.error(
            "database damaged (%s: %s); pages that read the damaged part answer 503 and /readyz "
            "reports it. Stop mamori and run `mamori restore` with the newest backup in %s.",
            type(error).__name__,
            _damage,
            backups_folder(),
        )


def sqlite_path() -> Path | None:
    database = settings.DATABASES["default"]
    if not str(database.get("ENGINE", "")).endswith("sqlite3"):
        return None
    name = str(database.get("NAME") or "")
    if not name or name == ":memory:" or name.startswith("file:"):
        return None
    return Path(name)


def backups_folder() -> Path:
    return Path(settings.DATA_DIR) / "backups"


def newest_backup(folder: Path) -> Path | None:
    try:
        archives = [path for path in folder.glob("*.tar") if path.is_file()]
    except OSError:
        return None
    return max(archives, key=lambda path: (path.stat().st_mtime, path.name), default=None)


def _what(detail: str) -> tuple[str, str]:
    text = detail.lower()
    if "not a database" in text:
        return "ファイルの先頭（ヘッダー）が壊れています", "its header is damaged"
    # The start-up check reads only the header and the schema: anything else is the schema.
    return "テーブルの定義（スキーマ）が壊れています", "its schema (table definitions) is damaged"


def damage_paragraph(path: Path, detail: str) -> str:
    """What is wrong and what to do, in one paragraph (Japanese, then English)."""
    what_ja, what_en = _what(detail)
    folder = backups_folder()
    newest = newest_backup(folder)
    if newest is not None:
        todo_ja = (
            f"最新のバックアップから復元してください: mamori restore {newest} --yes"
            f"（バックアップの場所: {folder}）。"
        )
        todo_en = (
            f"Restore the newest backup: mamori restore {newest} --yes (backups are in {folder})."
        )
    else:
        todo_ja = (
            f"{folder} にバックアップがありません。別の場所に保管しているバックアップを "
            "mamori restore <ファイル> --yes で復元してください。"
        )
        todo_en = (
            f"There is no backup in {folder}: restore the one you keep elsewhere with "
            "mamori restore <file> --yes."
        )
    return (
        f"mamori: データベースファイル {path} が壊れているため起動できません（{what_ja}。"
        f"SQLite: {detail}）。{todo_ja}復元の前に壊れたファイルは {path.name}.damaged-<日時> "
        "という名前で同じフォルダに残されます。\n"
        f"mamori: the database file {path} is damaged, so mamori cannot start ({what_en}; "
        f"SQLite: {detail}). {todo_en} The restore keeps the damaged file beside it as "
        f"{path.name}.damaged-<time>."
    )


def startup_problem() -> str | None:
    """The paragraph to print when the configured SQLite file cannot be used; None when fine."""
    from mamori.core.backup import sqlite_damage

    path = sqlite_path()
    if path is None:
        return None
    detail = sqlite_damage(path, thorough=False)
    return None if detail is None else damage_paragraph(path, detail)


def install_key_problem() -> str | None:
    """The paragraph to print when the install key file cannot be used (every audited change
    would fail without it); None when it is fine (it is created on first use)."""
    from mamori.core.install import InstallKeyError, install_identity

    try:
        install_identity()
    except (InstallKeyError, OSError) as error:
        path = settings.INSTALL_KEY_FILE
        return (
            f"mamori: インストール鍵ファイル {path} を使えません（{error}）。監査ログとバックアップの"
            "署名に必要です。別に保管している元のファイルを戻してください。\n"
            f"mamori: the install key file {path} cannot be used ({error}). The audit trail and "
            "backup signatures need it: put back the copy you keep elsewhere."
        )
    return None


def exit_if_damaged() -> None:
    """For `mamori serve` / `mamori worker`: print the paragraph and exit 1 on a damaged file."""
    message = startup_problem() or install_key_problem()
    if message is not None:
        print(message, file=sys.stderr)
        raise SystemExit(1)


class DamagedDatabaseMiddleware:
    """A view that runs into a damaged database answers one clear 503 page, logged once."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not (isinstance(exception, DatabaseError) and is_damage(exception)):
            return None
        note_damage(exception)
        body = render_to_string(
            "core/error.html",
            {
                "status": 503,
                "title": _("The database is damaged"),
                "text": _(
                    "Part of mamori's database cannot be read. Nothing you entered was saved. "
                    "The administrator has to restore the newest backup (mamori restore); "
                    "pages that do not need the damaged part still work."
                ),
            },
        )
        response = HttpResponse(body, status=503)
        response._has_been_logged = True  # type: ignore[attr-defined]  # logged once above
        return response


def readyz(request: HttpRequest) -> HttpResponse:
    """Readiness for a load balancer or monitor: 200 when the database answers and is migrated,
    else 503; the JSON also says whether a worker was seen lately and the job lag."""
    problem = damage_seen()
    if problem is None:
        path = sqlite_path()
        if path is not None:
            from mamori.core.backup import sqlite_damage

            problem = sqlite_damage(path, thorough=False)
    if problem is None:
        try:
            with connections["default"].cursor() as cursor:
                cursor.execute("SELECT 1")
        except DatabaseError as error:
            if is_damage(error):
                note_damage(error)
                problem = str(error)
            else:
                body = {"status": "unavailable", "database": type(error).__name__}
                return _json(body, 503)
    if problem is not None:
        return _json({"status": "damaged", "database": problem}, 503)
    from mamori.core.health import readiness

    try:  # migrations, the last worker seen and the oldest due job's lag (mamori.core.health)
        status, body = readiness()
    except DatabaseError as error:
        return _json({"status": "unavailable", "database": type(error).__name__}, 503)
    return _json(body, status)


def _json(body: dict[str, Any], status: int) -> HttpResponse:
    response = HttpResponse(json.dumps(body), status=status, content_type="application/json")
    response["Cache-Control"] = "no-store"
    response._has_been_logged = True  # type: ignore[attr-defined]  # not an error per probe
    return response
