"""A private PostgreSQL server for tests that stop and start the database on purpose.

Uses initdb and pg_ctl from /usr/lib/postgresql/*/bin (or PATH). As root, the server runs as the
`postgres` system user (PostgreSQL refuses to run as root). Tests skip with a reason when the
binaries or that user are missing.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).parent if on_path else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PrivatePostgres:
    """initdb in a fresh folder, then start()/stop() at will; url() for DATABASE_URL."""

    def __init__(self, database: str = "mamori") -> None:
        bin_dir = _bin_dir()
        if bin_dir is None:
            pytest.skip("PostgreSQL's initdb/pg_ctl are not installed on this machine")
        self.bin_dir = bin_dir
        self.prefix: list[str] = []
        if os.geteuid() == 0:
            try:
                account = pwd.getpwnam("postgres")
            except KeyError:
                pytest.skip("running as root and there is no 'postgres' user to run PostgreSQL")
            runuser = shutil.which("runuser")
            if runuser is None:
                pytest.skip("running as root without runuser to start PostgreSQL as 'postgres'")
            self.prefix = [runuser, "-u", "postgres", "--"]
        # Its own folder under the system temporary directory: pytest's folders are private to
        # root, and the server runs as another user.
        root = Path(tempfile.mkdtemp(prefix="mamori-pg-"))
        if self.prefix:
            os.chown(root, account.pw_uid, account.pw_gid)
        self.root = root
        self.data = root / "data"
        self.log = root / "server.log"
        self.port = _free_port()
        self.database = database
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        self.start()
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", database)

    def _run(self, program: str, *args: str) -> None:
        command = [*self.prefix, str(self.bin_dir / program), *args]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            pytest.fail(f"{program} failed: {result.stdout}\n{result.stderr}")

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root}"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def close(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{self.database}"

    def conninfo(self) -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={self.database}"
