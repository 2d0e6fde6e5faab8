"""Consistent, checksummed backups of the database and uploaded files, and their verified restore.

One archive is an uncompressed POSIX tar holding the database snapshot, the uploaded files, a
manifest and a whole-archive CHECKSUM (layout: `format`). `snapshot` writes it; `restore` verifies
every byte, stages the content and checks the staged database before changing anything, then
restores in one database transaction. Texts for people come from mamori/content/backup/
(`messages`).

Nothing here imports Django: callers pass the database target, media root and known migrations.
The names below are the package's interface; the submodules' other names are internal.
"""

from __future__ import annotations

from mamori.core.backup.database import PG_OPTION_ENV, DatabaseTarget
from mamori.core.backup.format import (
    CHECKSUM_NAME,
    CHUNK,
    DATABASE_MEMBERS,
    FILES_PREFIX,
    FORMAT_NAME,
    FORMAT_VERSION,
    MANIFEST_NAME,
    SHA256_RE,
    SIGNATURE_NAME,
    AuditHead,
    Engine,
    InstallKey,
    Limits,
    Manifest,
    MemberRecord,
    member_name_problem,
    parse_manifest,
    write_archive,
)
from mamori.core.backup.messages import MESSAGES, Problem, problem
from mamori.core.backup.restore import (
    BackupSummary,
    Origin,
    RestoreResult,
    read_backup_head,
    restore_backup,
    sqlite_damage,
    verify_backup,
)
from mamori.core.backup.snapshot import BackupResult, create_backup

__all__ = [
    "CHECKSUM_NAME",
    "CHUNK",
    "DATABASE_MEMBERS",
    "FILES_PREFIX",
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "MANIFEST_NAME",
    "MESSAGES",
    "PG_OPTION_ENV",
    "SHA256_RE",
    "SIGNATURE_NAME",
    "AuditHead",
    "BackupResult",
    "BackupSummary",
    "DatabaseTarget",
    "Engine",
    "InstallKey",
    "Limits",
    "Manifest",
    "MemberRecord",
    "Origin",
    "Problem",
    "RestoreResult",
    "create_backup",
    "member_name_problem",
    "parse_manifest",
    "problem",
    "read_backup_head",
    "restore_backup",
    "sqlite_damage",
    "verify_backup",
    "write_archive",
]
