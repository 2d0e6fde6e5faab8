"""An aiosmtpd handler for the check address: accepts forwarded mail and hands it on.

`CheckAddressHandler(callback, max_bytes=…, accept=…)` calls `callback(rcpt, raw)` once per
accepted recipient, in a worker thread so that slow checks do not stall the SMTP loop. Mail over
`max_bytes` is refused with 552; the SMTP server's own `data_size_limit` (see
`smtp_parameters()`) stops reading it early, so memory stays bounded.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 25 * 1024 * 1024


class CheckAddressHandler:
    def __init__(
        self,
        callback: Callable[[str, bytes], None],
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        accept: Callable[[str], bool] | None = None,
    ) -> None:
        self.callback = callback
        self.max_bytes = max_bytes
        self.accept = accept

    def smtp_parameters(self) -> dict[str, Any]:
        """Keyword arguments for aiosmtpd's Controller/SMTP matching this handler's cap."""
        return {"data_size_limit": self.max_bytes}

    async def handle_RCPT(  # aiosmtpd calls hooks by these names
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if self.accept is not None and not self.accept(address.lower()):
            return "550 5.1.1 Not a check address / 検査用アドレスではありません"
        if address.lower() in (known.lower() for known in envelope.rcpt_tos):
            return "250 OK (duplicate recipient, checked once)"  # no second check, no second reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        if len(raw) > self.max_bytes:
            return "552 5.3.4 Message too big for checking / メールが大きすぎます"
        loop = asyncio.get_running_loop()
        for rcpt in envelope.rcpt_tos:
            try:
                await loop.run_in_executor(None, self.callback, rcpt.lower(), raw)
            except Exception:
                log.exception("check-address callback failed for %s", rcpt)
                return "451 4.3.0 Temporary failure, try again later / 一時的なエラー"
        return "250 Message accepted for checking / 受け付けました"
