"""The archive format: layout, manifest, checksums, and which member names are safe.

One archive is an uncompressed POSIX tar (so reading it can never expand past its own size):

    database.sqlite3 | database.pgdump   the database snapshot (always the first member)
    files/<path>                         uploaded files (MEDIA_ROOT), regular files only; with
                                         MAMORI_STORAGE=s3 none, and the manifest's
                                         files_elsewhere names the bucket (backed up there)
    manifest.json                        format, versions, engine, migrations, size + sha256 per member,
                                         the install id and the audit trail's head
    SIGNATURE                            HMAC-SHA256 of manifest.json with the install's backup key
    CHECKSUM                             sha256 of every archive byte before this member

Everything after CHECKSUM must be tar end-of-archive zeros, so any changed, missing or added byte
is found. A `<archive>.sha256` file beside it serves `sha256sum -c` and is verified when present.

The checksums prove integrity only: anyone can recompute them. The SIGNATURE proves origin: it
needs the install's key (mamori.core.install), which is not in the database nor in any backup.
Format 1 archives (before signing) have no install id and no SIGNATURE.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import os
import re
import tarfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, Literal

from mamori.core.backup.messages import Problem, Refusal

FORMAT_NAME = "mamori-backup"
FORMAT_VERSION = 2
MANIFEST_NAME = "manifest.json"
SIGNATURE_NAME = "SIGNATURE"
CHECKSUM_NAME = "CHECKSUM"
FILES_PREFIX = "files/"
Engine = Literal["sqlite", "postgresql"]
DATABASE_MEMBERS: dict[str, str] = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
CHUNK = 1024 * 1024
SHA256_RE = re.compile(r"[0-9a-f]{64}")
INSTALL_ID_RE = re.compile(r"[a-z0-9][a-z0-9-]{3,63}")
SIGNATURE_PREFIX = b"hmac-sha256 "


@dataclass(frozen=True)
class Limits:
    """Caps on what a restore reads and how long any step may wait."""

    max_archive_bytes: int = 256 * 1024**3
    max_members: int = 200_000
    max_manifest_bytes: int = 64 * 1024**2
    max_name_bytes: int = 1024
    max_depth: int = 32
    lock_timeout_seconds: float = 120.0
    command_timeout_seconds: float = 6 * 3600.0


# The shared default of every `limits` argument (frozen, so sharing it is safe).
DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class MemberRecord:
    name: str
    size: int
    sha256: str


@dataclass(frozen=True)
class InstallKey:
    """An install's id and its backup-signing key (see mamori.core.install)."""

    install_id: str
    key: bytes = field(repr=False)

    def sign(self, manifest: bytes) -> bytes:
        digest = hmac.new(self.key, manifest, hashlib.sha256).hexdigest()
        return SIGNATURE_PREFIX + digest.encode("ascii") + b"\n"

    def signed(self, manifest: bytes, signature: bytes) -> bool:
        return hmac.compare_digest(self.sign(manifest), signature)


@dataclass(frozen=True)
class AuditHead:
    """The audit trail's newest event when the backup was taken (number and hash)."""

    seq: int
    hash: str


@dataclass(frozen=True)
class Manifest:
    format_version: int
    mamori_version: str
    created_at: str
    engine: Engine
    migrations: tuple[tuple[str, str], ...]
    members: tuple[MemberRecord, ...]
    install_id: str | None = None
    audit_head: AuditHead | None = None

    @property
    def database_member(self) -> MemberRecord:
        return next(m for m in self.members if m.name == DATABASE_MEMBERS[self.engine])

    @property
    def file_members(self) -> tuple[MemberRecord, ...]:
        return tuple(m for m in self.members if m.name.startswith(FILES_PREFIX))


# --------------------------------------------------------------------------- names and checksums


def member_name_problem(name: object, limits: Limits = DEFAULT_LIMITS) -> str | None:
    """Why `name` may not appear in an archive (None when it is safe)."""
    if not isinstance(name, str) or not name:
        return "empty name"
    if len(name.encode("utf-8", "surrogatepass")) > limits.max_name_bytes:
        return "name too long"
    if any(ord(ch) < 32 or ord(ch) == 127 or ch == "\\" for ch in name):
        return "control character or backslash"
    parts = name.split("/")
    # Catches absolute paths ("" first), "..", ".", doubled and trailing slashes.
    if any(part in {"", ".", ".."} for part in parts):
        return "absolute path or empty, '.' or '..' component"
    if len(parts) > limits.max_depth:
        return "too deep"
    if any(len(part.encode("utf-8", "surrogatepass")) > 255 for part in parts):
        return "path component too long"
    if name in {MANIFEST_NAME, SIGNATURE_NAME, CHECKSUM_NAME, *DATABASE_MEMBERS.values()}:
        return None
    if name.startswith(FILES_PREFIX):
        return None
    return "unexpected member"


def sha256_file(path: Path, length: int | None = None) -> str:
    """Hex sha256 of the file's first `length` bytes (all of it when None)."""
    digest = hashlib.sha256()
    remaining = length
    with open(path, "rb") as handle:
        while remaining is None or remaining > 0:
            size = CHUNK if remaining is None else min(CHUNK, remaining)
            block = handle.read(size)
            if not block:
                break
            digest.update(block)
            if remaining is not None:
                remaining -= len(block)
    return digest.hexdigest()


class _HashingWriter:
    """A write-only file object that hashes everything written through it."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.hash = hashlib.sha256()
        self.position = 0

    def write(self, data: bytes) -> int:
        self.raw.write(data)
        self.hash.update(data)
        self.position += len(data)
        return len(data)

    def tell(self) -> int:
        return self.position

    def flush(self) -> None:
        self.raw.flush()


class _HashingReader:
    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.hash = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.hash.update(data)
        return data


# --------------------------------------------------------------------------- writing


def _add_path(tar: tarfile.TarFile, name: str, path: Path, mtime: int | None = None) -> dict:
    with open(path, "rb") as handle:
        status = os.fstat(handle.fileno())
        info = _member_info(name, status.st_size, int(status.st_mtime) if mtime is None else mtime)
        reader = _HashingReader(handle)
        try:
            tar.addfile(info, reader)  # type: ignore[arg-type]
        except OSError as error:
            # The file shrank while it was read (written to meanwhile).
            raise Refusal("media_failed", f"{name}: {error}") from error
    return {"name": name, "size": info.size, "sha256": reader.hash.hexdigest()}


def _member_info(name: str, size: int, mtime: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = 0o600
    info.mtime = mtime
    return info


def _checksum_info(mtime: int) -> tarfile.TarInfo:
    return _member_info(CHECKSUM_NAME, 65, mtime)


def _add_bytes(tar: tarfile.TarFile, info: tarfile.TarInfo, data: bytes) -> None:
    tar.addfile(info, io.BytesIO(data))


def write_archive(
    destination: Path,
    *,
    engine: Engine,
    database_file: Path,
    media: Sequence[tuple[str, Path]],
    migrations: Sequence[Sequence[str]],
    mamori_version: str,
    created_at: datetime,
    format_version: int = FORMAT_VERSION,
    signer: InstallKey | None = None,
    audit_head: AuditHead | None = None,
    files_elsewhere: str | None = None,
) -> tuple[str, int]:
    """Write an archive to a new file (mode 0600); return its sha256 and size.

    With a `signer` the manifest names its install and a SIGNATURE member authenticates it.
    `files_elsewhere` (an S3 bucket) is recorded so that whoever restores knows the uploaded
    files are not in this archive."""
    mtime = int(created_at.timestamp())
    fd = os.open(destination, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as raw:
        writer = _HashingWriter(raw)
        with tarfile.open(fileobj=writer, mode="w", format=tarfile.PAX_FORMAT) as tar:  # type: ignore[call-overload]
            members = [_add_path(tar, DATABASE_MEMBERS[engine], database_file, mtime)]
            members += [_add_path(tar, name, path) for name, path in media]
            manifest = {
                "format": FORMAT_NAME,
                "format_version": format_version,
                "mamori_version": mamori_version,
                "created_at": created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "engine": engine,
                "migrations": [list(item) for item in migrations],
                "members": members,
            }
            if signer is not None:
                manifest["install_id"] = signer.install_id
            if audit_head is not None:
                manifest["audit_head"] = {"seq": audit_head.seq, "hash": audit_head.hash}
            if files_elsewhere is not None:
                manifest["files_elsewhere"] = files_elsewhere
            data = json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8")
            _add_bytes(tar, _member_info(MANIFEST_NAME, len(data), mtime), data)
            if signer is not None:
                signature = signer.sign(data)
                _add_bytes(tar, _member_info(SIGNATURE_NAME, len(signature), mtime), signature)
            prefix_digest = writer.hash.copy().hexdigest()
            _add_bytes(tar, _checksum_info(mtime), f"{prefix_digest}\n".encode("ascii"))
        raw.flush()
        os.fsync(raw.fileno())
    return writer.hash.hexdigest(), writer.position


# --------------------------------------------------------------------------- reading


def scan_members(tar: tarfile.TarFile, limits: Limits) -> dict[str, tarfile.TarInfo]:
    """Read every header (not the data) and check names, types and order."""
    members: dict[str, tarfile.TarInfo] = {}
    last: tarfile.TarInfo | None = None
    while True:
        try:
            info = tar.next()
        except (tarfile.TarError, EOFError, ValueError, OverflowError) as error:
            code = "corrupt" if members else "unreadable"
            raise Refusal(code, str(error)) from error
        if info is None:
            break
        if last is None and info.name not in DATABASE_MEMBERS.values():
            raise Refusal("foreign", f"first entry {info.name[:100]!r}")
        if len(members) >= limits.max_members:
            raise Refusal("too_large", f"more than {limits.max_members} entries")
        reason = member_name_problem(info.name, limits)
        if reason is not None:
            raise Refusal("unsafe_member", f"{info.name[:200]!r}: {reason}")
        if not info.isreg():
            raise Refusal("unsafe_member", f"{info.name[:200]!r}: not a regular file")
        if info.name in members:
            raise Refusal("unsafe_member", f"{info.name[:200]!r}: duplicate")
        members[info.name] = info
        last = info
    if last is None:
        raise Refusal("foreign", "no entries")
    if last.name != CHECKSUM_NAME or MANIFEST_NAME not in members:
        raise Refusal("corrupt", "incomplete archive")
    if SIGNATURE_NAME in members and list(members)[-2] != SIGNATURE_NAME:
        raise Refusal("corrupt", "signature out of place")
    return members


def precheck_extended_headers(path: Path, limits: Limits) -> None:
    """Refuse oversized pax/GNU extended headers before tarfile parses any: CPython 3.11 before
    3.11.10 parses crafted pax headers in super-linear time (CVE-2024-6232)."""
    offset = 0
    with open(path, "rb") as handle:
        for _ in range(2 * limits.max_members + 2):
            handle.seek(offset)
            header = handle.read(tarfile.BLOCKSIZE)
            if len(header) < tarfile.BLOCKSIZE or header.count(0) == tarfile.BLOCKSIZE:
                return
            try:
                size = tarfile.nti(header[124:136])
            except (tarfile.HeaderError, ValueError):
                return  # a damaged header: tarfile reports it
            if header[156:157] in {b"x", b"g", b"L", b"K"} and size > 8192:
                raise Refusal("unsafe_member", "oversized extended header")
            if size < 0:
                return
            offset += tarfile.BLOCKSIZE + -(-size // tarfile.BLOCKSIZE) * tarfile.BLOCKSIZE


def verify_whole_file(path: Path, checksum: tarfile.TarInfo, file_size: int) -> None:
    """CHECKSUM covers every byte before it; only end-of-archive zeros may follow it."""
    if checksum.size != 65:
        raise Refusal("corrupt", "checksum entry size")
    # The CHECKSUM header is the one header the digest cannot cover: it must be byte for byte
    # the header the writer makes (tar's own header checksum skips some bytes).
    expected_header = _checksum_info(checksum.mtime).tobuf(tarfile.PAX_FORMAT, "utf-8")
    if checksum.offset_data != checksum.offset + len(expected_header):
        raise Refusal("corrupt", "checksum entry header")
    with open(path, "rb") as handle:
        handle.seek(checksum.offset)
        if handle.read(len(expected_header)) != expected_header:
            raise Refusal("corrupt", "checksum entry header")
        recorded = handle.read(65)
        trailer = handle.read(tarfile.RECORDSIZE + 2 * tarfile.BLOCKSIZE + 1)
    text = recorded.decode("ascii", "replace")
    if not (text.endswith("\n") and SHA256_RE.fullmatch(text[:64])):
        raise Refusal("corrupt", "checksum entry")
    # tar ends with two zero blocks, padded with zeros to a whole record: a cut inside that
    # padding also changes the size.
    end = checksum.offset_data + tarfile.BLOCKSIZE + 2 * tarfile.BLOCKSIZE
    expected_size = -(-end // tarfile.RECORDSIZE) * tarfile.RECORDSIZE
    if file_size != expected_size or len(trailer) != file_size - checksum.offset_data - 65:
        raise Refusal("corrupt", "the archive's end is missing or has extra data")
    if trailer.count(0) != len(trailer):
        raise Refusal("corrupt", "unexpected data after the checksum")
    if sha256_file(path, checksum.offset) != text[:64]:
        raise Refusal("corrupt", "archive checksum mismatch")


def verify_sidecar(path: Path) -> bool:
    """Check `<archive>.sha256` when present; True when it was there and matched."""
    sidecar = Path(f"{path}.sha256")
    if not sidecar.is_file():
        return False
    if sidecar.stat().st_size > 4096:
        raise Refusal("corrupt", "checksum file too large")
    words = sidecar.read_text(encoding="ascii", errors="replace").split()
    if not words or not SHA256_RE.fullmatch(words[0].lower()):
        raise Refusal("corrupt", f"unreadable {sidecar.name}")
    if sha256_file(path) != words[0].lower():
        raise Refusal("corrupt", f"does not match {sidecar.name}")
    return True


def _require(condition: bool, what: str) -> None:
    if not condition:
        raise Refusal("manifest_invalid", what)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def parse_manifest(data: bytes, limits: Limits = DEFAULT_LIMITS) -> Manifest | Problem:
    """Validate manifest.json strictly: a Manifest, or a Problem saying what is wrong."""
    try:
        return read_manifest(data, limits)
    except Refusal as refusal:
        return refusal.problem


def read_manifest(data: bytes, limits: Limits) -> Manifest:
    """parse_manifest for the engine itself: raises Refusal instead of returning a Problem."""
    try:
        raw = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise Refusal("manifest_invalid", "not JSON") from error
    _require(isinstance(raw, dict), "not an object")
    if raw.get("format") != FORMAT_NAME:
        raise Refusal("foreign", "manifest format")
    version = raw.get("format_version")
    _require(_is_int(version) and version >= 1, "format_version")
    if version > FORMAT_VERSION:
        raise Refusal("format_newer", f"format {version} > {FORMAT_VERSION}")
    engine = raw.get("engine")
    _require(isinstance(engine, str) and engine in DATABASE_MEMBERS, "engine")
    for key in ("mamori_version", "created_at"):
        _require(isinstance(raw.get(key), str) and len(raw[key]) <= 64, key)
    migrations = raw.get("migrations")
    _require(isinstance(migrations, list) and len(migrations) <= 100_000, "migrations")
    for item in migrations:
        _require(
            isinstance(item, list)
            and len(item) == 2
            and all(isinstance(part, str) and 0 < len(part) <= 255 for part in item),
            "migration entry",
        )
    entries = raw.get("members")
    _require(isinstance(entries, list) and len(entries) <= limits.max_members, "members")
    members: list[MemberRecord] = []
    for entry in entries:
        _require(isinstance(entry, dict), "member entry")
        name, size, digest = entry.get("name"), entry.get("size"), entry.get("sha256")
        _require(member_name_problem(name, limits) is None, "member name")
        _require(name not in {MANIFEST_NAME, CHECKSUM_NAME}, "member name")
        _require(_is_int(size) and size >= 0, "member size")
        _require(isinstance(digest, str) and SHA256_RE.fullmatch(digest) is not None, "sha256")
        members.append(MemberRecord(name=name, size=size, sha256=digest))
    names = [member.name for member in members]
    _require(len(set(names)) == len(names), "duplicate member")
    other_databases = set(DATABASE_MEMBERS.values()) - {DATABASE_MEMBERS[engine]}
    _require(DATABASE_MEMBERS[engine] in names, "database member")
    _require(not other_databases.intersection(names), "database member")
    _require(SIGNATURE_NAME not in names, "member name")
    install_id = raw.get("install_id")
    _require(
        install_id is None
        or (isinstance(install_id, str) and INSTALL_ID_RE.fullmatch(install_id) is not None),
        "install_id",
    )
    head = raw.get("audit_head")
    audit_head = None
    if head is not None:
        _require(isinstance(head, dict), "audit_head")
        seq, digest = head.get("seq"), head.get("hash")
        _require(_is_int(seq) and seq >= 0, "audit_head")
        _require(isinstance(digest, str) and SHA256_RE.fullmatch(digest) is not None, "audit_head")
        audit_head = AuditHead(seq=seq, hash=digest)
    return Manifest(
        format_version=version,
        mamori_version=raw["mamori_version"],
        created_at=raw["created_at"],
        engine=engine,
        migrations=tuple((app, name) for app, name in migrations),
        members=tuple(members),
        install_id=install_id,
        audit_head=audit_head,
    )
