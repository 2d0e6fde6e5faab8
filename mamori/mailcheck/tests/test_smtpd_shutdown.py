"""SIGTERM to a real `mamori smtpd`: it stops listening, a mail whose transaction has begun is
still received, checked and answered, idle sessions do not hold it up, and it exits with 0.

Runs on SQLite in its own data directory with the demo organisation (`mamori demo`).
"""

from __future__ import annotations

import os
import signal
import smtplib
import socket
import subprocess
import sys
from email.message import EmailMessage
from pathlib import Path

import pytest

from mamori.core.tests.test_jobs import REPO_DIR, wait_until

MEMBER = "demo-owner@example.jp"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def refused(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=10).close()
    except ConnectionRefusedError:
        return True
    except ConnectionResetError:
        # The listener closed while this connection sat in its backlog: shutdown has begun but
        # the port may not be released yet; ask again.
        return False
    return False


def test_sigterm_lets_a_mail_in_progress_finish(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "MAMORI_SQLITE_PATH"}}
    env.update(MAMORI_DATA_DIR=str(tmp_path), MAMORI_MAIL_DOMAIN="localhost")
    demo = subprocess.run(
        [sys.executable, "-m", "mamori.cli", "demo"],
        cwd=REPO_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert demo.returncode == 0, demo.stderr
    port = free_port()
    out = tmp_path / "smtpd.out"
    with out.open("wb") as handle:
        process = subprocess.Popen(
            [sys.executable, "-m", "mamori.cli", "smtpd", "--port", str(port)],
            cwd=REPO_DIR,
            env={**env, "MAMORI_SHUTDOWN_GRACE_SECONDS": "60", "MAMORI_LOG_LEVEL": "INFO"},
            stdin=subprocess.DEVNULL,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until(lambda: "smtpd listening" in out.read_text(errors="replace"), "smtpd to start")
        idle = smtplib.SMTP("127.0.0.1", port, timeout=120)
        idle.ehlo()
        client = smtplib.SMTP("127.0.0.1", port, timeout=120)
        client.ehlo()
        assert client.mail(MEMBER)[0] == 250
        assert client.rcpt("check+demo@localhost")[0] == 250

        process.send_signal(signal.SIGTERM)
        wait_until(lambda: refused(port), "smtpd to stop listening")
        assert process.poll() is None  # still finishing the mail in progress

        message = EmailMessage()
        message["From"], message["To"] = MEMBER, "check+demo@localhost"
        message["Subject"] = "請求書の確認"
        message.set_content("添付の請求書をご確認ください。 http://example.com/invoice")
        code, reply = client.data(message.as_bytes())
        assert code == 250, reply
        assert process.wait(timeout=120) == 0
        with pytest.raises((smtplib.SMTPServerDisconnected, ConnectionError)):
            idle.noop()
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=60)
    output = out.read_text(errors="replace")
    assert "Traceback" not in output
    assert "smtpd stopped" in output
