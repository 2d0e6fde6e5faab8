"""The issue's "done when": a user types what they saw, lands on the ransomware playbook, sees
「まずネットワークから切り離す」 first, works through the steps (each time recorded) and downloads
a dated incident report at the end."""

from __future__ import annotations

import io
import re
from typing import Any

import pypdf
import pytest
from django.urls import reverse
from django.utils import timezone

from mamori.incidents.catalog import checklist_for
from mamori.incidents.models import EntryKind, Incident, IncidentStatus, TimelineEntry

SYMPTOM = "朝来たらパソコンに身代金を要求する画面が出ていた"
FIRST_STEP = "まずネットワークから切り離す"


def _pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return "".join(page.extract_text() for page in reader.pages).replace("\n", "")


@pytest.mark.django_db
def test_ransomware_journey_from_symptom_to_dated_report(
    org: Any, members: dict[str, Any], client_as: Any, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    client = client_as(members["editor"])
    slug = org.slug

    # 1. 「何が起きた？」: the description alone points at the ransomware playbook, first.
    page = client.get(reverse("incidents:triage", args=[slug]), {"text": SYMPTOM})
    assert page.status_code == 200
    html = page.content.decode()
    suggested = re.findall(
        rf"/o/{slug}/incidents/playbooks/([a-z0-9-]+)/", html.split('id="suggestions"')[1]
    )
    assert suggested[0] == "ransomware"

    # 2. The playbook page shows 「まずネットワークから切り離す」 before any other step.
    page = client.get(reverse("incidents:playbook", args=[slug, "ransomware"]))
    html = page.content.decode()
    what_now = html.split('id="first-steps"')[1]
    first_li = re.search(r"<li><strong>(.*?)</strong>", what_now)
    assert first_li is not None and first_li.group(1) == FIRST_STEP

    # 3. Report it from the playbook (the form comes pre-filled with the playbook).
    form_page = client.get(
        reverse("incidents:report", args=[slug]), {"playbook": "ransomware", "text": SYMPTOM}
    )
    assert re.search(r'value="ransomware"[^>]*checked', form_page.content.decode())
    response = client.post(
        reverse("incidents:report", args=[slug]),
        {"description": SYMPTOM, "playbooks": ["ransomware"], "severity": "critical"},
    )
    incident = Incident.objects.get(organization=org)
    assert response.status_code == 302
    assert response["Location"] == reverse("incidents:detail", args=[slug, incident.pk])

    # 4. The incident page starts with the same first step.
    html = client.get(response["Location"]).content.decode()
    next_step = html.split('id="next-step"')[1]
    assert FIRST_STEP in next_step.split("</p>")[0]

    # 5. Work through every step; each completion is a timestamped, attributed entry.
    items = checklist_for(incident.playbook_ids)
    assert items[0].text.ja == FIRST_STEP
    before = timezone.now()
    for item in items:
        response = client.post(
            reverse("incidents:step", args=[slug, incident.pk]),
            {"step_id": item.step_id, "done": "1"},
        )
        assert response.status_code == 302
    steps = list(TimelineEntry.objects.filter(incident=incident, kind=EntryKind.STEP))
    assert [e.data["step_id"] for e in steps] == [i.step_id for i in items]
    assert all(e.data["done"] is True for e in steps)
    assert all(e.created_at >= before for e in steps)
    assert all(e.author == members["editor"] for e in steps)
    times = [e.created_at for e in steps]
    assert times == sorted(times)
    html = client.get(reverse("incidents:detail", args=[slug, incident.pk])).content.decode()
    assert 'id="next-step"' not in html
    first_done = timezone.localtime(steps[0].created_at).strftime("%Y-%m-%d %H:%M")
    assert first_done in html

    # 6. Close it, status by status.
    for status in IncidentStatus.values[1:]:
        client.post(reverse("incidents:status", args=[slug, incident.pk]), {"status": status})
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.CLOSED

    # 7. The dated report: file name and header carry the date, the text comes back out.
    response = client.get(reverse("incidents:export", args=[slug, incident.pk, "pdf"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    today = timezone.localdate().strftime("%Y%m%d")
    assert f'filename="incident-{incident.pk}-{today}-' in response["Content-Disposition"]
    assert response["Content-Disposition"].startswith("attachment;")
    text = _pdf_text(response.content)
    assert "インシデント報告書" in text
    assert timezone.localdate().strftime("%Y-%m-%d") in text
    assert FIRST_STEP in text
    assert first_done in text
    assert "ランサムウェア" in text
    assert "完了" in text  # the status 完了 (closed) on the record
