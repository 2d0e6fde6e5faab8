"""Polling a dedicated report mailbox over IMAP (imapclient) and handing each new mail on.

Unseen mails are fetched one by one with BODY.PEEK[] and marked \\Seen only after the handler
succeeded, so a crash leaves them to be retried; mails over the size cap are marked seen and
reported as skipped without being downloaded.
"""

from __future__ import annotations

import ssl as ssl_lib
from collections.abc import Callable
from dataclasses import dataclass, field

from imapclient import SEEN, IMAPClient

DEFAULT_MAX_BYTES = 25 * 1024 * 1024


@dataclass(frozen=True)
class MailboxSettings:
    host: str
    username: str
    password: str
    port: int | None = None
    folder: str = "INBOX"
    use_ssl: bool = True
    timeout: float = 30.0


@dataclass
class PollResult:
    handled: list[int] = field(default_factory=list)
    too_big: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def poll_mailbox(
    settings: MailboxSettings,
    handle: Callable[[bytes], None],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    limit: int = 50,
    ssl_context: ssl_lib.SSLContext | None = None,
) -> PollResult:
    """Hand every unseen mail (at most `limit`) to `handle(raw)`; IMAP errors propagate."""
    result = PollResult()
    with IMAPClient(
        settings.host,
        port=settings.port,
        ssl=settings.use_ssl,
        ssl_context=ssl_context,
        timeout=settings.timeout,
    ) as client:
        client.login(settings.username, settings.password)
        client.select_folder(settings.folder)
        uids = sorted(client.search(["UNSEEN"]))[:limit]
        if not uids:
            return result
        sizes = client.fetch(uids, ["RFC822.SIZE"])
        for uid in uids:
            size = int(sizes.get(uid, {}).get(b"RFC822.SIZE", 0))
            if size > max_bytes:
                client.add_flags([uid], [SEEN])
                result.too_big.append(uid)
                continue
            raw = client.fetch([uid], ["BODY.PEEK[]"]).get(uid, {}).get(b"BODY[]")
            if not isinstance(raw, bytes):
                result.failed.append(uid)
                continue
            try:
                handle(raw)
            except Exception:  # left unseen: the next poll retries it
                result.failed.append(uid)
                continue
            client.add_flags([uid], [SEEN])
            result.handled.append(uid)
    return result
