"""A finding is named by its problem, then its object, in one language, with its evidence
linked to the records it concerns (dashboard tile, finding page, report)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from mamori.accounts.services import profile_of
from mamori.findings.models import Finding
from mamori.findings.services import FindingSpec, sync
from mamori.inventory.models import Person


def _leaver(org: Any) -> tuple[Finding, Person]:
    person = Person.objects.create(organization=org, name="伊藤 健")
    sync(
        org,
        "inventory.leaver_access",
        [
            FindingSpec(
                key="leaver:1",
                subject="伊藤 健",
                params={},
                evidence=[{"kind": "person", "id": str(person.pk), "text": "伊藤 健"}],
            )
        ],
        default_severity="critical",
    )
    return Finding.objects.get(organization=org, key="leaver:1"), person


@pytest.mark.django_db
def test_dashboard_deadline_names_the_problem_then_the_person(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    finding, _person = _leaver(org)
    page = client_as(members["viewer"]).get(reverse("core:dashboard", args=[org.slug]))
    html = page.content.decode()
    assert "退職者のアカウントが残っています — 伊藤 健" in html
    assert reverse("findings:detail", args=[org.slug, finding.pk]) in html


@pytest.mark.django_db
def test_finding_page_links_evidence_to_the_register_record(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    finding, person = _leaver(org)
    html = (
        client_as(members["viewer"])
        .get(reverse("findings:detail", args=[org.slug, finding.pk]))
        .content.decode()
    )
    assert "退職者のアカウントが残っています — 伊藤 健" in html
    record = reverse(
        "inventory:detail", kwargs={"org_slug": org.slug, "register": "people", "pk": person.pk}
    )
    assert f'href="{record}"' in html


@pytest.mark.django_db
def test_english_reader_sees_the_english_subject_and_evidence_only(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    sync(
        org,
        "assessment.handbook",
        [
            FindingSpec(
                key="weak:1",
                subject="OS・ソフトウェアの更新",
                params={
                    "subject_en": "Operating system and software updates",
                    "questionnaire": "ハンドブック",
                    "questionnaire_en": "Handbook",
                    "question": "OS・ソフトウェアの更新",
                    "question_en": "Operating system and software updates",
                },
                evidence=[
                    {
                        "kind": "answer",
                        "id": "q1",
                        "text": "更新していますか → いいえ",
                        "text_en": "Do you update? → No",
                    },
                ],
            )
        ],
        default_severity="medium",
        guidance_key="assessment.weak_answer",
    )
    finding = Finding.objects.get(organization=org, key="weak:1")
    viewer = members["viewer"]
    profile = profile_of(viewer)
    profile.language = "en"
    profile.save()
    html = (
        client_as(viewer)
        .get(reverse("findings:detail", args=[org.slug, finding.pk]))
        .content.decode()
    )
    assert "Operating system and software updates" in html and "Do you update? → No" in html
    assert "OS・ソフトウェアの更新" not in html and "更新していますか" not in html


@pytest.mark.django_db
def test_recheck_of_a_problem_still_there_updates_last_seen_and_status_agrees(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    import datetime as dt

    from django.utils import timezone

    from mamori.findings.models import Action
    from mamori.findings.rules import RULES, load_rules
    from mamori.findings.services import run_rule
    from mamori.inventory.models import Account, Service

    person = Person.objects.create(
        organization=org, name="伊藤 健", left_on=timezone.localdate() - dt.timedelta(days=3)
    )
    service = Service.objects.create(organization=org, name="Microsoft 365")
    Account.objects.create(organization=org, person=person, service=service, username="ito")
    load_rules()
    run_rule(org, RULES.get("inventory.leaver_access"))
    finding = Finding.objects.get(organization=org, kind="inventory.leaver_access")
    stale = timezone.now() - dt.timedelta(minutes=50)
    Finding.objects.filter(pk=finding.pk).update(last_seen=stale)
    Action.objects.filter(finding=finding).update(status="in_progress")
    # The finding's copy of the action status, as services.update_action keeps it.
    Finding.objects.filter(pk=finding.pk).update(action_status="in_progress")
    editor = client_as(members["editor"])
    editor.post(reverse("findings:recheck", args=[org.slug, finding.pk]))
    finding.refresh_from_db()
    assert finding.status == "open" and finding.last_seen > stale
    page = editor.get(reverse("findings:detail", args=[org.slug, finding.pk])).content.decode()
    assert '<p class="status">対応中' in page
    listing = editor.get(reverse("findings:list", args=[org.slug])).content.decode()
    assert "<td>対応中</td>" in listing and "<td>未対応</td>" not in listing
