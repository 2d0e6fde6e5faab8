"""A full disk: read-only pages keep working, a failed upload leaves no file, errors name the
full place. Uses a small tmpfs mounted for the test (needs root and mount permission; skipped
with the reason otherwise)."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages

from mamori.core.tests.test_jobs import REPO_DIR, wait_until
from mamori.core.tests.test_outage import _get
from mamori.core.tests.test_serve_shutdown import free_port


@pytest.fixture
def small_disk() -> Iterator[Path]:
    """A 48 MB tmpfs, unmounted afterwards."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small file system for the disk-full test needs root")
    mount_point = Path(tempfile.mkdtemp(prefix="mamori-small-disk-"))
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=48m,mode=0755", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        mount_point.rmdir()
        pytest.skip(f"cannot mount a tmpfs here: {result.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)
        mount_point.rmdir()


def fill(disk: Path) -> Path:
    """Write a filler file until the disk is full; returns it (delete it to free the space)."""
    filler = disk / "filler"
    descriptor = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        for size in (1024 * 1024, 4096, 512):
            block = b"\0" * size
            try:
                while True:
                    os.write(descriptor, block)
            except OSError as error:
                assert error.errno == errno.ENOSPC
    finally:
        os.close(descriptor)
    return filler


def test_a_failed_upload_leaves_no_file_and_names_the_folder(small_disk: Path) -> None:
    # The storage the settings configure for uploads, placed on the small disk.
    backend = settings.STORAGES["default"]["BACKEND"]
    storage = storages.create_storage(
        {"BACKEND": backend, "OPTIONS": {"location": str(small_disk / "files")}}
    )
    assert storage.save("a/ok.txt", ContentFile(b"fits")) == "a/ok.txt"
    fill(small_disk)
    with pytest.raises(OSError) as raised:
        storage.save("a/evidence.bin", ContentFile(os.urandom(4 * 1024 * 1024)))
    assert raised.value.errno == errno.ENOSPC
    assert str(small_disk / "files" / "a") in str(raised.value.filename)
    # Nothing half-written: only the file saved before the disk filled up.
    assert sorted(p.name for p in (small_disk / "files" / "a").iterdir()) == ["ok.txt"]


def test_read_only_pages_work_while_the_disk_is_full(small_disk: Path, tmp_path: Path) -> None:
    data_dir = small_disk / "data"
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "MAMORI_SQLITE_PATH"}}
    env.update(MAMORI_DATA_DIR=str(data_dir), MAMORI_LOG_LEVEL="INFO")
    demo = subprocess.run(
        [sys.executable, "-m", "mamori.cli", "demo"],
        cwd=REPO_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert demo.returncode == 0, demo.stderr
    # A signed-in session for the demo owner, made the way a login makes it.
    make_session = (
        "import os, time, django;"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mamori.settings');"
        "django.setup();"
        "from django.contrib.auth import get_user_model;"
        "from django.contrib.sessions.backends.db import SessionStore;"
        "user = get_user_model().objects.get(username='demo-owner@example.jp');"
        "s = SessionStore();"
        "s['_auth_user_id'] = str(user.pk);"
        "s['_auth_user_backend'] = 'django.contrib.auth.backends.ModelBackend';"
        "s['_auth_user_hash'] = user.get_session_auth_hash();"
        "s['login_at'] = time.time();"
        "s.create();"
        "print(s.session_key)"
    )
    made = subprocess.run(
        [sys.executable, "-c", make_session],
        cwd=REPO_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert made.returncode == 0, made.stderr
    cookie = {"Cookie": f"sessionid={made.stdout.strip()}"}

    port = free_port()
    out = tmp_path / "serve.out"
    with out.open("wb") as handle:
        process = subprocess.Popen(
            [sys.executable, "-m", "mamori.cli", "serve", "--port", str(port), "--no-worker"],
            cwd=REPO_DIR,
            env={**env, "MAMORI_BASE_URL": f"http://127.0.0.1:{port}"},
            stdin=subprocess.DEVNULL,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until(lambda: "running at that address" in out.read_text(), "serve to start", 600)
        pages = ["/o/demo/", "/o/demo/findings/", "/o/demo/incidents/"]
        for page in pages:
            status, _type, body = _get(port, page, cookie)
            assert status == 200, (page, body[:500])
        filler = fill(small_disk)
        for page in pages:  # signed-in, read-only: still answered while nothing can be written
            status, _type, body = _get(port, page, cookie)
            assert status == 200, (page, body[:500])
            assert "不正なリクエスト" not in body
        # A backup onto the full disk says so and names the place.
        backup = subprocess.run(
            [sys.executable, "-m", "mamori.cli", "backup", "--output", str(small_disk / "b")],
            cwd=REPO_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert backup.returncode != 0
        assert "ディスクの空きがありません" in backup.stderr, backup.stderr
        assert str(small_disk) in backup.stderr
        assert "io_error" not in backup.stderr
        filler.unlink()
        assert _get(port, "/o/demo/", cookie)[0] == 200
    finally:
        process.terminate()
        process.wait(timeout=120)
    assert "Traceback" not in out.read_text(errors="replace")
