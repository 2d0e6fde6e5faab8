"""SECURITY ACTION status, the editable basic policy with its exports, the management report."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from mamori.assessments.models import SecurityPolicy
from mamori.assessments.report import build_report, render_report_pdf
from mamori.findings.models import Action, Finding, Status

from .helpers import answer_all, complete, ipa_answers, start


def _pdf_text(data: bytes) -> tuple[str, int]:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages), len(reader.pages)


def _url(name: str, org: Any) -> str:
    return reverse(f"assessments:{name}", kwargs={"org_slug": org.slug})


@pytest.mark.django_db
def test_security_action_stars_follow_measures_assessment_and_policy(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    owner = client_as(members["owner"])
    page = owner.get(_url("security_action", org)).content.decode()
    assert 'data-testid="stars">まだです' in page
    assessment = start(owner, org)
    answer_all(owner, org, assessment, ipa_answers({"s11_backup": "not_done"}))
    complete(owner, org, assessment)
    page = owner.get(_url("security_action", org)).content.decode()
    assert 'data-testid="stars">★<' in page
    owner.post(
        _url("policy_generate", org), {"representative": "代表取締役 所有太郎", "language": "ja"}
    )
    policy = SecurityPolicy.objects.get(organization=org)
    assert org.name in policy.body and "代表取締役 所有太郎" in policy.body
    assert not policy.in_place
    assert 'data-testid="stars">★<' in owner.get(_url("security_action", org)).content.decode()
    owner.post(
        _url("policy", org),
        {
            "title": policy.title,
            "body": policy.body + "\n\n追記：年に一度見直す。",
            "adopted": "on",
        },
    )
    policy.refresh_from_db()
    assert policy.adopted_on == timezone.localdate() and policy.body.endswith("年に一度見直す。")
    assert 'data-testid="stars">★★<' in owner.get(_url("security_action", org)).content.decode()


@pytest.mark.django_db
def test_policy_exports_pdf_and_word_with_the_edited_text(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    editor = client_as(members["editor"])
    editor.post(_url("policy_generate", org), {"representative": "", "language": "ja"})
    policy = SecurityPolicy.objects.get(organization=org)
    edited = policy.body + "\n\n<b>社外秘</b> & 取扱注意"
    response = editor.post(_url("policy", org), {"title": policy.title, "body": edited})
    assert response.status_code == 302
    pdf = client_as(members["viewer"]).get(_url("policy_pdf", org))
    assert pdf["Content-Type"] == "application/pdf"
    text, _ = _pdf_text(pdf.content)
    assert "情報セキュリティ基本方針" in text
    assert org.name in text
    assert "<b>社外秘</b> & 取扱注意" in text
    doc = client_as(members["viewer"]).get(_url("policy_doc", org))
    assert doc["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="security-policy.docx"' in doc["Content-Disposition"]
    import io

    from docx import Document

    text = "\n".join(p.text for p in Document(io.BytesIO(doc.content)).paragraphs)
    assert "<b>社外秘</b> & 取扱注意" in text and policy.title in text


@pytest.mark.django_db
def test_empty_policy_is_refused_beside_the_field(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    owner = client_as(members["owner"])
    owner.post(_url("policy_generate", org), {"language": "en"})
    policy = SecurityPolicy.objects.get(organization=org)
    assert policy.language == "en" and "Basic" in policy.title or "Policy" in policy.title
    response = owner.post(_url("policy", org), {"title": "x", "body": "   "})
    assert response.status_code == 200 and "has-error" in response.content.decode()
    policy.refresh_from_db()
    assert policy.title != "x"
    # A viewer reads it but cannot change it.
    viewer = client_as(members["viewer"])
    assert viewer.get(_url("policy", org)).status_code == 200
    assert viewer.post(_url("policy", org), {"title": "y", "body": "z"}).status_code == 403


def _finding(org: Any, key: str, severity: str, due: dt.date, **extra: Any) -> Finding:
    extra.setdefault("subject", f"問題 {key}")
    finding = Finding.objects.create(
        organization=org,
        kind="test.kind",
        key=key,
        severity=severity,
        guidance_key="assessment.weak_answer",
        **extra,
    )
    Action.objects.create(organization=org, finding=finding, due_date=due)
    return finding


@pytest.mark.django_db
def test_report_pdf_is_one_page_with_the_expected_japanese(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    owner = client_as(members["owner"])
    today = timezone.localdate()
    first = start(owner, org)
    answer_all(owner, org, first, ipa_answers({"b01_updates": "not_done", "s11_backup": "partial"}))
    complete(owner, org, first)
    for index, severity in enumerate(["low", "critical", "medium", "high", "high", "low", "low"]):
        _finding(org, f"k{index}", severity, today + dt.timedelta(days=index + 1))
    overdue = _finding(org, "late", "medium", today - dt.timedelta(days=3))
    _finding(
        org,
        "accepted",
        "low",
        today + dt.timedelta(days=60),
        status=Status.ACCEPTED,
        accepted_until=today + dt.timedelta(days=5),
    )
    resolved = _finding(org, "fixed", "high", today)
    Finding.objects.filter(pk=resolved.pk).update(
        status=Status.RESOLVED, resolved_at=timezone.now()
    )

    report = build_report(org, "ja", today=today)
    top = [risk["subject"] for risk in report.risks]
    # Named by the problem, then its object (never a bare name as "the top risk"); critical first.
    assert len(top) == 5 and top[0] == "自己診断で改善が必要な回答があります — 問題 k1"
    assert not any(
        subject.endswith("問題 k0") for subject in top
    )  # a low one is not in the top five
    response = owner.get(_url("report_pdf", org))
    assert response["Content-Type"] == "application/pdf"
    text, pages = _pdf_text(response.content)
    assert pages == 1
    flat = text.replace("\n", "")
    for expected in ("情報セキュリティ月次報告", "負のコスト", "ハンドブック 第7章 §1.1", org.name):
        assert expected in flat, expected
    for subject in top:
        assert subject in flat
    assert "解決した問題：1件" in flat and "— 問題 fixed" in flat and "解決：" in flat
    assert f"{overdue.subject}" in flat and "期限切れの対応" in flat
    assert "問題 accepted" in flat  # an accepted risk about to expire needs a decision
    assert f"守りの点数：{report.score:g}点" in flat

    english, _ = _pdf_text(render_report_pdf(build_report(org, "en", today=today)))
    assert "Monthly security report" in english and "Top five risks" in english

    html = client_as(members["viewer"]).get(_url("report", org)).content.decode()
    assert "負のコスト" in html and "問題 k1" in html and "report.css" in html


@pytest.mark.django_db
def test_report_without_data_says_so(org: Any) -> None:
    text, pages = _pdf_text(render_report_pdf(build_report(org, "ja")))
    flat = text.replace("\n", "")
    assert pages == 1
    assert "まだありません" in flat and "未対応の問題はありません" in flat


@pytest.mark.django_db
def test_report_stays_on_one_page_for_a_crowded_organisation(org: Any) -> None:
    today = timezone.localdate()
    long = "とても長い件名の問題" * 30
    for index in range(40):
        finding = _finding(
            org, f"c{index}", "critical", today - dt.timedelta(days=index + 1), subject=long
        )
        if index % 4 == 0:
            Finding.objects.filter(pk=finding.pk).update(
                status=Status.ACCEPTED, accepted_until=today
            )
        if index % 4 == 1:
            Finding.objects.filter(pk=finding.pk).update(
                status=Status.RESOLVED, resolved_at=timezone.now()
            )
    from mamori.assessments.models import Assessment

    Assessment.objects.bulk_create(
        [
            Assessment(
                organization=org,
                questionnaire_id="ipa_basic",
                status="completed",
                completed_at=timezone.now() - dt.timedelta(days=400 - i),
                percent=float(10 + i),
            )
            for i in range(20)
        ]
    )
    for code in ("ja", "en"):
        report = build_report(org, code, today=today)
        assert len(report.trend) == 12 and len(report.decisions) == 7 and len(report.risks) == 5
        text, pages = _pdf_text(render_report_pdf(report))
        assert pages == 1, code
        assert "…" in text
