"""The breach page: contractor path, who knew first, notice drafts in step with the report."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from mamori.incidents import services
from mamori.incidents.models import Incident


def _incident(org: Any, members: dict[str, Any]) -> Incident:
    return services.report_incident(
        None, org, title="Web form skimmed", playbook_ids=["web-form-leak"], actor=members["owner"]
    )


@pytest.mark.django_db
def test_contractor_path_shows_its_own_deadline_and_client_notice_draft(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    incident = _incident(org, members)
    client = client_as(members["editor"])
    url = reverse("incidents:breach", args=[org.slug, incident.pk])
    response = client.post(
        url,
        {
            "form": "assess",
            "acquiring": "yes",
            "malicious": "yes",
            "entrusted": "yes",
            "known_first_by": "営業部（顧客からの電話）",
            "aware_at": "2026-04-10T15:00",
        },
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.breach_status == "required"
    assert incident.breach_answers["known_first_by"] == "営業部（顧客からの電話）"
    client.post(url, {"form": "draft", "summary": "決済画面が改ざんされ入力が盗まれた"})
    page = client.get(url).content.decode()
    assert 'id="client-notice"' in page
    assert "2026-04-11 23:59" in page  # end of day 2 in Tokyo
    assert "営業部（顧客からの電話）" in page and "3-5-3-3" in page
    assert "第7条第3号" in page
    for kind in ("individuals", "public", "client"):
        assert f'id="draft-{kind}"' in page
    # the summary written for the PPC appears in the notice drafts too
    assert page.count("決済画面が改ざんされ入力が盗まれた") >= 3


@pytest.mark.django_db
def test_without_entrusted_data_no_client_section(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    incident = _incident(org, members)
    client = client_as(members["editor"])
    url = reverse("incidents:breach", args=[org.slug, incident.pk])
    client.post(
        url,
        {"form": "assess", "personal_data": "yes", "sensitive": "yes", "entrusted": "no"},
    )
    page = client.get(url).content.decode()
    assert 'id="client-notice"' not in page
    assert "cs-support" not in page  # sanity: contacts are elsewhere
