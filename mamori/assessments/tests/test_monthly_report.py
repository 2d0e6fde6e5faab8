from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core import mail
from pypdf import PdfReader

from mamori.assessments.tasks import send_monthly_report


@pytest.mark.django_db
def test_owners_get_last_months_report_once(org: Any, members: dict[str, Any]) -> None:
    assert send_monthly_report(org, today=dt.date(2026, 12, 1))
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["owner@example.jp"]  # owners only
    assert "2026-11" in message.subject and "テスト株式会社" in message.subject
    name, content, mimetype = message.attachments[0]
    assert mimetype == "application/pdf" and name.endswith("2026-11.pdf")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert "テスト株式会社" in text
    # The same month is not mailed twice; the next month is.
    assert not send_monthly_report(org, today=dt.date(2026, 12, 15))
    assert send_monthly_report(org, today=dt.date(2027, 1, 1))
    assert len(mail.outbox) == 2
