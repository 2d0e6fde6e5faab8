from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.utils import translation

from mamori.audit.command import main as audit_main
from mamori.audit.models import AuditEvent
from mamori.audit.services import record
from mamori.audit.verify import verify_chain


@pytest.mark.django_db
def test_chain_intact_then_modified_row_detected(capsys: Any) -> None:
    for n in range(5):
        record("test.event", changes={"n": n, "text": "日本語"}, ip="192.0.2.1")
    report = verify_chain()
    assert (report.events, report.problems) == (5, [])
    assert audit_main(["verify"]) == 0

    target = AuditEvent.objects.order_by("id")[2]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET actor_label = %s WHERE id = %s", ["mallory", target.id]
        )
    report = verify_chain()
    assert [(p.code, p.event_id) for p in report.problems] == [("changed", target.id)]
    with translation.override("en"):
        assert f"Event #{target.seq} " in report.problems[0].text()
    assert audit_main(["verify"]) == 1
    out = capsys.readouterr().out
    assert f"#{target.seq}" in out and "書き換え" in out


@pytest.mark.django_db
def test_deleted_row_leaves_a_gap() -> None:
    for n in range(4):
        record("test.event", changes={"n": n})
    ids = list(AuditEvent.objects.order_by("id").values_list("id", flat=True))
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [ids[1]])
    problems = verify_chain().problems
    assert [(p.code, p.seq, p.last) for p in problems] == [("missing", 2, 2)]
    with translation.override("en"):
        assert problems[0].text() == "Event #2 is missing: it was deleted from the database."


@pytest.mark.django_db
def test_events_cannot_be_changed_through_the_orm() -> None:
    event = record("test.event")
    event.action = "other"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().update(action="x")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()


@pytest.mark.django_db
def test_owner_sees_filters_and_exports_audit_csv(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    record(
        "inventory.test",
        organization=org,
        actor=members["editor"],
        object_repr="=cmd|' /C calc'!A0",
    )
    owner = client_as(members["owner"])
    page = owner.get(f"/o/{org.slug}/audit/?actor=editor")
    assert page.status_code == 200
    assert "inventory.test" in page.content.decode()
    assert "org.created" not in page.content.decode()
    export = owner.post(f"/o/{org.slug}/audit/export/", {"actor": "editor"})
    assert export.status_code == 200
    body = b"".join(export.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    assert "'=cmd" in body  # formula neutralised
    assert AuditEvent.objects.filter(action="audit.exported", organization_id=org.pk).exists()
