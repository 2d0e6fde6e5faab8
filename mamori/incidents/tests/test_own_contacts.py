"""The organisation's own emergency contacts (issue 16): the register, the playbooks showing
them in place of 「自社の窓口」, the first-hour card (page and PDF) and who knew first on the
timeline."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from mamori.incidents import services
from mamori.incidents.card import build_card
from mamori.incidents.contact_models import ContactKind, EmergencyContact
from mamori.incidents.models import EntryKind, TimelineEntry
from mamori.incidents.presentation import timeline_rows
from mamori.orgs.models import Organization


def contact(org: Any, kind: str, name: str, **values: Any) -> EmergencyContact:
    return EmergencyContact.objects.create(organization=org, kind=kind, name=name, **values)


def card_contacts(org: Any) -> None:
    contact(
        org,
        ContactKind.BANK,
        "みなと銀行 本店",
        phone="03-1234-5601",
        emergency_phone="0120-555-010",
        checked_on=date(2026, 11, 1),
        source="口座開設時の案内書",
    )
    contact(
        org,
        ContactKind.INSURER,
        "さくら損保 事故受付",
        phone="0120-777-220",
        contract_number="CY-2026-004512",
    )
    contact(org, ContactKind.POLICE, "中央警察署", phone="03-3333-0110")


@pytest.mark.django_db
def test_a_playbook_shows_the_recorded_contact_instead_of_asking_to_record_one(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    url = reverse("incidents:playbook", args=[org.slug, "bec-payee-fraud"])
    client = client_as(members["viewer"])
    before = client.get(url).content.decode()
    add = reverse("inventory:create", args=[org.slug, "contacts"])
    assert "まだ登録されていません。" in before and add in before
    card_contacts(org)
    contact(org, ContactKind.LAWYER, "山本法律事務所", phone="03-5555-1212", archived_at=None)
    other = Organization.objects.exclude(pk=org.pk).first()
    contact(other, ContactKind.BANK, "他社の銀行", phone="03-9999-9999")
    archived = contact(org, ContactKind.BANK, "古い銀行", phone="03-0000-0000")
    EmergencyContact.objects.filter(pk=archived.pk).update(archived_at="2026-01-01T00:00:00Z")
    page = client.get(url).content.decode()
    assert "自社の連絡先：" in page
    assert "みなと銀行 本店" in page and "0120-555-010" in page and "03-1234-5601" in page
    assert "山本法律事務所" in page
    assert "他社の銀行" not in page and "古い銀行" not in page
    assert reverse("inventory:detail", args=[org.slug, "contacts", 1]).rsplit("/", 2)[0] in page


@pytest.mark.django_db
def test_the_card_pdf_carries_the_bank_insurer_and_police_numbers(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    card_contacts(org)
    response = client_as(members["viewer"]).get(
        reverse("incidents:first_hour_card_pdf", args=[org.slug])
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 1  # one printable page
    text = reader.pages[0].extract_text().replace(" ", "")
    for number in (
        "03-1234-5601",
        "0120-555-010",
        "0120-777-220",
        "CY-2026-004512",
        "03-3333-0110",
    ):
        assert number in text
    assert "初動カード" in text and "ネットワークから切り離す" in text
    # Public desks from the catalogue: the PPC helpline and IPA's desk for businesses.
    assert "03-6457-9849" in text and "cs-support@ipa.go.jp" in text


@pytest.mark.django_db
def test_the_card_names_what_is_missing_and_reads_in_one_language(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    card = build_card(org, "ja")
    assert card.missing == ["取引銀行", "保険会社（サイバー保険）", "最寄りの警察署"]
    contact(org, ContactKind.BANK, "Minato Bank", phone="03-1234-5601")
    english = build_card(org, "en")
    assert english.missing == ["Insurer (cyber insurance)", "Local police station"]
    assert english.steps[0].startswith("Disconnect from the network")
    assert all(not any("\u3040" <= ch <= "\u30ff" for ch in step) for step in english.steps)
    page = client_as(members["viewer"]).get(reverse("incidents:first_hour_card", args=[org.slug]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "初動カード" in html and "Minato Bank" in html and "未登録：" in html
    with translation.override("en"):
        pdf = client_as(members["viewer"]).get(
            reverse("incidents:first_hour_card_pdf", args=[org.slug]),
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert pdf.status_code == 200


@pytest.mark.django_db
def test_the_register_validates_phone_numbers_in_the_users_language(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    url = reverse("inventory:create", args=[org.slug, "contacts"])
    response = client_as(members["editor"]).post(
        url, {"kind": "bank", "name": "みなと銀行", "phone": "https://evil.example/call"}
    )
    assert response.status_code == 200
    assert "電話番号は数字とハイフンで入力してください" in response.content.decode()
    assert not EmergencyContact.objects.filter(organization=org).exists()
    response = client_as(members["editor"]).post(
        url,
        {
            "kind": "insurer",
            "name": "さくら損保",
            "phone": "0120-777-220",
            "emergency_phone": "#9110",
            "contract_number": "CY-1",
            "checked_on": "2026-11-01",
        },
    )
    assert response.status_code == 302
    saved = EmergencyContact.objects.get(organization=org)
    assert saved.kind == "insurer" and saved.emergency_phone == "#9110"


@pytest.mark.django_db
def test_who_knew_first_goes_on_the_timeline_once_per_answer(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    incident = services.report_incident(
        None,
        org,
        title="カード情報の漏えい",
        playbook_ids=["web-form-leak"],
        actor=members["owner"],
    )
    client = client_as(members["editor"])
    url = reverse("incidents:breach", args=[org.slug, incident.pk])
    answers = {
        "form": "assess",
        "personal_data": "yes",
        "malicious": "yes",
        "affected_count": "40",
        "aware_at": "2026-04-10T15:00",
        "known_first_by": "店舗スタッフ 田中",
    }
    assert client.post(url, answers).status_code == 302
    assert client.post(url, answers).status_code == 302  # same answer: no second entry
    entries = TimelineEntry.objects.filter(incident=incident, kind=EntryKind.BREACH)
    first = [e for e in entries if "known_first_by" in e.data]
    assert len(first) == 1 and first[0].data["known_first_by"] == "店舗スタッフ 田中"
    with translation.override("ja"):
        rows = timeline_rows(incident, incident.timeline.order_by("created_at", "pk"))
    texts = [row["what"] for row in rows]
    assert "組織内で最初に知った人：店舗スタッフ 田中（2026-04-10 15:00）" in texts
    client.post(url, {**answers, "known_first_by": "経理 佐藤"})
    first = [
        e
        for e in TimelineEntry.objects.filter(incident=incident, kind=EntryKind.BREACH)
        if "known_first_by" in e.data
    ]
    assert [e.data["known_first_by"] for e in first] == ["店舗スタッフ 田中", "経理 佐藤"]


@pytest.mark.django_db
def test_the_owners_monthly_report_points_to_the_card(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    from mamori.assessments.report import build_report, render_report_pdf

    report = build_report(org, "ja")
    assert "取引銀行" in report.extra["first_hour"] and "未登録" in report.extra["first_hour"]
    card_contacts(org)
    report = build_report(org, "ja")
    assert report.extra["first_hour"].startswith("初動カード：取引銀行・保険会社・警察署")
    reader = PdfReader(io.BytesIO(render_report_pdf(report)))
    assert len(reader.pages) == 1
    assert "初動カード" in reader.pages[0].extract_text().replace(" ", "")
    english = build_report(org, "en")
    assert english.extra["first_hour"].startswith("First-hour card: the bank, insurer")
    page = client_as(members["owner"]).get(reverse("assessments:report", args=[org.slug]))
    assert reverse("incidents:first_hour_card", args=[org.slug]) in page.content.decode()


@pytest.mark.django_db
def test_contacts_over_the_api_and_the_csv_export(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    from tests.test_api import token_client

    editor = token_client(client_as, members["editor"])
    url = f"/api/orgs/{org.slug}/inventory/contacts"
    created = editor.post(
        url,
        data={"kind": "bank", "name": "みなと銀行", "emergency_phone": "0120-555-010"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    refused = editor.post(
        url,
        data={"kind": "bank", "name": "偽", "phone": '=HYPERLINK("x")'},
        content_type="application/json",
    )
    assert refused.status_code == 400 and "phone" in refused.json()["errors"]
    listing = editor.get(url).json()
    assert [(c["name"], c["emergency_phone"]) for c in listing] == [("みなと銀行", "0120-555-010")]
    # A name that looks like a formula is neutralised in the CSV export.
    contact(org, ContactKind.OTHER, "=cmd|' /C calc'!A0", phone="03-1111-2222")
    export = client_as(members["owner"]).post(
        reverse("inventory:export", args=[org.slug, "contacts"]), {"format": "csv"}
    )
    body = export.content.decode("utf-8-sig")
    assert "みなと銀行" in body and "'=cmd" in body
