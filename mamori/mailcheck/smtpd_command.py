"""`mamori smtpd`: the check address. Staff forward a doubted mail; the verdict comes back by mail.

Recipients are accepted only when they are an organisation's check address
(check+<slug>@MAMORI_MAIL_DOMAIN, or the address the organisation set); mail from anyone who is
not a member of that organisation is refused during the SMTP exchange, so mamori itself never
sends anything to a forged sender. A recipient given twice (in any spelling that leads to the same
organisation) is checked and answered once; more than MAIL_CHECK_MAX_RECIPIENTS recipients are
refused with 452, and a sender over the hourly cap gets 450 (try later). The SMTP client's address
goes with each forward, so mail relayed by the organisation's own server can be recognised.
Database work runs in worker threads, never in the SMTP loop.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
import threading
import time
import weakref
from types import FrameType
from typing import Any

from .smtp import DEFAULT_MAX_BYTES, CheckAddressHandler

log = logging.getLogger("mamori.smtpd")

NOT_MEMBER = "550 5.7.1 Sender is not a member of this organisation / 組織のメンバーではありません"
TOO_MANY_RECIPIENTS = "452 4.5.3 Too many recipients / 宛先が多すぎます"
RATE_LIMITED = (
    "450 4.7.1 Too many checks from this sender in the last hour, try later / "
    "1時間あたりの上限に達しました。後でもう一度送ってください"
)


def _in_thread(function: Any, *args: Any) -> Any:
    """Run a database-using function in a worker thread with fresh connections."""
    from django.db import close_old_connections

    close_old_connections()
    try:
        return function(*args)
    finally:
        close_old_connections()


class OrganisationCheckHandler(CheckAddressHandler):
    """The engine's handler with organisation lookups and membership checks from the database."""

    def __init__(self, *, max_bytes: int = DEFAULT_MAX_BYTES, source: str = "smtp") -> None:
        super().__init__(self._deliver, max_bytes=max_bytes, accept=self._accepts)
        self.source = source

    @staticmethod
    def _accepts(address: str) -> bool:
        from .inbound import org_for_address

        return org_for_address(address) is not None

    @staticmethod
    def _org_key(address: str) -> int | None:
        from .inbound import org_for_address

        org = org_for_address(address)
        return None if org is None else int(org.pk)

    def _deliver(self, rcpt: str, raw: bytes, peer: str | None = None) -> str:
        from .inbound import org_for_address, process_forward

        org = org_for_address(rcpt)
        if org is None:
            return "no organisation"
        result = process_forward(org, raw, check_address=rcpt, source=self.source, peer=peer)
        return result.refused

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        from django.conf import settings

        address = address.strip()
        if address.lower() in (known.lower() for known in envelope.rcpt_tos):
            return "250 OK (duplicate recipient, checked once)"
        loop = asyncio.get_running_loop()
        org_key = await loop.run_in_executor(None, _in_thread, self._org_key, address.lower())
        if org_key is None:
            return "550 5.1.1 Not a check address / 検査用アドレスではありません"
        # The envelope is new for every mail transaction (MAIL, RSET and DATA replace it).
        orgs: dict[str, int] = envelope.__dict__.setdefault("mamori_rcpt_orgs", {})
        if org_key in orgs.values():
            # Another spelling of a check address already given: the same organisation.
            return "250 OK (same check address, checked once)"
        if len(envelope.rcpt_tos) >= max(int(settings.MAIL_CHECK_MAX_RECIPIENTS), 1):
            return TOO_MANY_RECIPIENTS
        orgs[address.lower()] = org_key
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        if len(raw) > self.max_bytes:
            return "552 5.3.4 Message too big for checking / メールが大きすぎます"
        from .inbound import NOT_MEMBER as NOT_MEMBER_REASON
        from .inbound import RATE_LIMITED as RATE_LIMITED_REASON

        peer = session.peer[0] if isinstance(session.peer, tuple) and session.peer else None
        loop = asyncio.get_running_loop()
        outcomes: list[str] = []
        for rcpt in envelope.rcpt_tos:
            try:
                outcomes.append(
                    await loop.run_in_executor(
                        None, _in_thread, self._deliver, rcpt.lower(), raw, peer
                    )
                )
            except Exception:
                log.exception("check address %s: processing failed", rcpt)
                return "451 4.3.0 Temporary failure, try again later / 一時的なエラー"
        if outcomes and all(o == NOT_MEMBER_REASON for o in outcomes):
            return NOT_MEMBER
        if outcomes and all(o == RATE_LIMITED_REASON for o in outcomes):
            return RATE_LIMITED
        return "250 Message accepted for checking / 受け付けました"


def start_controller(host: str, port: int, max_bytes: int = DEFAULT_MAX_BYTES) -> Any:
    """An aiosmtpd Controller serving the check addresses, started (call .stop() to end, or
    stop_gracefully())."""
    from aiosmtpd.controller import Controller

    class TrackingController(Controller):  # type: ignore[misc]
        """Keeps the open SMTP sessions, so a shutdown can wait for those mid-transaction."""

        def factory(self) -> Any:
            smtp = super().factory()
            self.sessions.add(smtp)
            return smtp

    handler = OrganisationCheckHandler(max_bytes=max_bytes)
    controller = TrackingController(handler, hostname=host, port=port, **handler.smtp_parameters())
    controller.sessions = weakref.WeakSet()
    controller.start()
    return controller


def _in_transaction(smtp: Any) -> bool:
    """The session has begun a mail (MAIL FROM given) that is not yet answered after DATA."""
    transport = getattr(smtp, "transport", None)
    if transport is None or transport.is_closing():
        return False
    envelope = getattr(smtp, "envelope", None)
    return bool(envelope is not None and (envelope.mail_from or envelope.rcpt_tos))


def stop_gracefully(controller: Any, grace_seconds: float) -> bool:
    """Stop listening, let sessions mid-transaction finish (their mail is checked and answered)
    within grace_seconds, then close every connection. True if none had to be cut off.

    A mail is the sender's until it is answered after DATA: one cut off before that is sent
    again by the sending server, so nothing is lost or checked twice.
    """
    closed = threading.Event()

    def close_listener() -> None:
        if controller.server is not None:
            controller.server.close()
        closed.set()

    controller.loop.call_soon_threadsafe(close_listener)
    closed.wait(10)
    deadline = time.monotonic() + max(grace_seconds, 0.0)
    finished = True
    while any(_in_transaction(smtp) for smtp in list(controller.sessions)):
        if time.monotonic() >= deadline:
            log.warning(
                "grace period of %s s over: closing sessions mid-transaction", grace_seconds
            )
            finished = False
            break
        time.sleep(0.05)
    controller.stop()
    return finished


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mamori smtpd",
        description="不審メールの検査用アドレスを受け付けます / Receive mail for the check "
        "addresses and answer with the verdict.",
    )
    parser.add_argument("--host", default=None, help="待ち受けアドレス / listen address")
    parser.add_argument("--port", type=int, default=None, help="待ち受けポート / listen port")
    parser.add_argument(
        "--max-bytes",
        type=int,
        default=DEFAULT_MAX_BYTES,
        help="受け付ける最大サイズ / largest mail accepted, in bytes",
    )
    return parser


def main(argv: list[str]) -> int:
    options = build_parser().parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mamori.settings")
    import django

    django.setup()
    from django.conf import settings

    host = options.host or settings.MAIL_SMTPD_HOST
    port = options.port or settings.MAIL_SMTPD_PORT
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        controller = start_controller(host, port, options.max_bytes)
    except OSError as error:
        print(f"mamori smtpd: {host}:{port} を開けません / cannot listen: {error}", file=sys.stderr)
        return 1
    log.info("smtpd listening on %s:%s for check+<org>@%s", host, port, settings.MAIL_DOMAIN)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        stop_gracefully(controller, float(settings.SHUTDOWN_GRACE_SECONDS))
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    log.info("smtpd stopped")
    return 0
