from __future__ import annotations

from typing import Any

from mamori.mailcheck import services
from mamori.mailcheck.models import Source


def role_args(org: Any, members: dict[str, Any]) -> dict[str, dict[str, Any]]:
    raw = (
        b"From: Someone <someone@example.com>\r\nTo: x@example.jp\r\nSubject: role test\r\n"
        b"Date: Mon, 02 Mar 2026 10:00:00 +0900\r\n\r\nhello\r\n"
    )
    mail = services.check_mail(org, raw, source=Source.UPLOAD, reporter=members["owner"]).mail
    one = {"pk": mail.pk}
    return {"mailcheck:detail": one, "mailcheck:report": one, "mailcheck:raw": one}
