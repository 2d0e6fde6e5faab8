"""Files at rest are private to mamori's user: directories 0700, files 0600 (no Django imports).

``secure_process()`` runs when the settings load, in every mamori process (serve, worker,
smtpd, CLI, tests): it sets the umask to 077, so everything created afterwards — the SQLite
database and its WAL and shared-memory files (SQLite gives them the database file's mode),
evidence and import uploads, backups, keys — is created private, and it tightens what an
older version left readable in the data directory. Django's own upload storage is told the same
modes (FILE_UPLOAD_PERMISSIONS / FILE_UPLOAD_DIRECTORY_PERMISSIONS) so the rule holds even if
a host changes the umask.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

PRIVATE_UMASK = 0o077
DIRECTORY_MODE = 0o700
FILE_MODE = 0o600
# Directories whose content is served or read by others on purpose (collected static files).
PUBLIC_PARTS = frozenset({"static"})
MAX_TIGHTENED = 100_000


def _tighten(path: Path) -> None:
    """Drop group and other permissions of one owned file or directory (never a symlink)."""
    try:
        info = path.lstat()
    except OSError:
        return
    if stat.S_ISLNK(info.st_mode) or info.st_uid != os.getuid():
        return
    if stat.S_IMODE(info.st_mode) & 0o077:
        try:
            path.chmod(stat.S_IMODE(info.st_mode) & ~0o077)
        except OSError:
            return


def tighten_tree(root: Path, *, skip: Iterable[str] = PUBLIC_PARTS) -> None:
    """Remove group and other access below `root` (owned files only, symlinks untouched)."""
    skipped = set(skip)
    _tighten(root)
    seen = 0
    for directory, subdirectories, files in os.walk(root):
        here = Path(directory)
        if here == root:
            subdirectories[:] = [name for name in subdirectories if name not in skipped]
        for name in subdirectories:
            _tighten(here / name)
        for name in files:
            _tighten(here / name)
            seen += 1
            if seen >= MAX_TIGHTENED:
                return


def private_directory(path: Path) -> Path:
    """Create `path` (and parents) as 0700 directories; tighten it when it already exists."""
    path.mkdir(mode=DIRECTORY_MODE, parents=True, exist_ok=True)
    _tighten(path)
    return path


def write_private(path: Path, data: bytes) -> None:
    """Write a file that is 0600 from its first byte, whatever the umask."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    _tighten(path)


def secure_process(data_dir: Path, extra_files: Iterable[str | Path] = ()) -> None:
    """umask 077 for this process; the data directory (and named files elsewhere) private."""
    os.umask(PRIVATE_UMASK)
    private_directory(data_dir)
    tighten_tree(data_dir)
    for name in extra_files:
        if not str(name):
            continue
        for suffix in ("", "-wal", "-shm", "-journal"):
            _tighten(Path(f"{name}{suffix}"))
