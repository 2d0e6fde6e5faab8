"""File storage that never leaves a partial file behind.

Django's FileSystemStorage writes straight into the final name, so a write that fails (a full
disk) leaves an empty or truncated file that later backups carry along. This one writes under a
temporary name in the same folder, syncs it, and links it into place only when complete; on any
failure the temporary file is removed and the error names the folder. The record that points at
the file is written afterwards by the service, which deletes the file if that fails (rollback).
"""

from __future__ import annotations

import errno
import os
import tempfile
from typing import Any

from django.core.files.storage import FileSystemStorage

TEMPORARY_PREFIX = ".partial-"


class AtomicFileSystemStorage(FileSystemStorage):
    def _save(self, name: str, content: Any) -> str:
        full_path = self.path(name)
        directory = os.path.dirname(full_path)
        if self.directory_permissions_mode is not None:
            old_umask = os.umask(0o777 & ~self.directory_permissions_mode)
            try:
                os.makedirs(directory, self.directory_permissions_mode, exist_ok=True)
            finally:
                os.umask(old_umask)
        else:
            os.makedirs(directory, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(prefix=TEMPORARY_PREFIX, dir=directory)
        try:
            try:
                with os.fdopen(descriptor, "wb") as out:
                    if hasattr(content, "temporary_file_path"):
                        with open(content.temporary_file_path(), "rb") as source:
                            while chunk := source.read(1024 * 1024):
                                out.write(chunk)
                    else:
                        for chunk in content.chunks():
                            out.write(chunk.encode() if isinstance(chunk, str) else chunk)
                    out.flush()
                    os.fsync(out.fileno())
            except OSError as error:
                # Name the folder that is full (the write error itself names no file).
                raise OSError(error.errno, error.strerror, temporary) from error
            if self.file_permissions_mode is not None:
                os.chmod(temporary, self.file_permissions_mode)
            while True:
                try:
                    os.link(temporary, full_path)  # never replaces an existing file
                    break
                except FileExistsError:
                    name = self.get_available_name(name)
                    full_path = self.path(name)
                except OSError as error:
                    if error.errno not in {errno.EPERM, errno.ENOTSUP, errno.EXDEV}:
                        raise
                    os.replace(temporary, full_path)  # file systems without hard links
                    break
        finally:
            try:
                os.unlink(temporary)
            except FileNotFoundError:
                pass
        return str(name).replace("\\", "/")


def files_elsewhere() -> str | None:
    """Where uploaded files live when they are not in a local folder (MAMORI_STORAGE=s3), e.g.
    's3://bucket/prefix'; None for a folder (local or shared), which `mamori backup` archives.

    A bucket is not copied into the backup archive: it may be far larger than the database, and
    the object store keeps its own copies (versioning, replication) — the operator backs it up
    there, and the backup's manifest and output say so."""
    from django.core.files.storage import FileSystemStorage, storages

    backend = storages["default"]
    if isinstance(backend, FileSystemStorage):
        return None
    bucket = getattr(backend, "bucket_name", "") or "?"
    location = str(getattr(backend, "location", "") or "").strip("/")
    return f"s3://{bucket}/{location}" if location else f"s3://{bucket}"
