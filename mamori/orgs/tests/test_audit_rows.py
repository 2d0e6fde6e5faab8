"""Audit trail rows: the time in the organisation's zone to the second, formatted once per page
(issue 20, "Rendering"), and the details fold in the page's language."""

from __future__ import annotations

import datetime as dt
from typing import Any
from unittest import mock

import pytest

from mamori.audit.models import AuditEvent
from mamori.audit.services import record


@pytest.mark.django_db
def test_audit_rows_show_local_time_to_the_second(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    # Recorded at 2025-01-31 23:30:15 UTC, which is 2025-02-01 08:30:15 in Tokyo.
    at = dt.datetime(2025, 1, 31, 23, 30, 15, tzinfo=dt.UTC)
    with mock.patch("django.utils.timezone.now", return_value=at):
        event = record("inventory.person.created", actor=members["owner"], organization=org)
    assert AuditEvent.objects.get(pk=event.pk).created_at == at
    body = client_as(members["owner"]).get(f"/o/{org.slug}/audit/").content.decode()
    assert "<tr><td>2025-02-01 08:30:15</td>" in body
    assert "<summary>詳細</summary>" in body
