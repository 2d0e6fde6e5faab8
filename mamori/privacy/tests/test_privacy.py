"""Contractor supervision and the personal-data register: every rule fires and resolves, the
supplier questionnaire link (single use, expiry, no account, CSRF without a session), the breach
clock reading the register, the incident page section, the demo."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from mamori.audit.models import AuditEvent
from mamori.findings.models import Finding
from mamori.findings.services import run_rules
from mamori.incidents.models import Incident
from mamori.incidents.services import save_breach
from mamori.inventory.models import Share, ShareScope, Supplier
from mamori.privacy import services
from mamori.privacy.models import (
    CLAUSE_FIELDS,
    PersonalData,
    QuestionnaireLink,
    Supervision,
    SupervisionAudit,
    hash_token,
)

pytestmark = pytest.mark.django_db


def open_kinds(org: Any, prefix: str = "") -> set[str]:
    run_rules(org)
    return set(
        Finding.objects.filter(organization=org, status="open", kind__startswith=prefix)
        .values_list("kind", flat=True)
        .distinct()
    )


def all_clauses() -> dict[str, bool]:
    return dict.fromkeys(CLAUSE_FIELDS, True)


def supervised(org: Any, **fields: Any) -> Supervision:
    supplier = Supplier.objects.create(organization=org, name=fields.pop("name", "発送代行"))
    return Supervision.objects.create(organization=org, supplier=supplier, **fields)


def test_clauses_missing_fires_for_entrusted_personal_data_and_resolves(org: Any) -> None:
    s = supervised(org, entrusts_personal_data=True, clause_purpose=True)
    assert "privacy.contract_clauses_missing" in open_kinds(org)
    finding = Finding.objects.get(organization=org, kind="privacy.contract_clauses_missing")
    assert "clause_audit" in finding.params["missing"]
    assert "clause_purpose" not in finding.params["missing"]
    Supervision.objects.filter(pk=s.pk).update(**all_clauses())
    assert "privacy.contract_clauses_missing" not in open_kinds(org)


def test_clauses_missing_also_fires_when_a_register_entry_names_the_contractor(org: Any) -> None:
    s = supervised(org)  # the record itself does not say personal data
    assert "privacy.contract_clauses_missing" not in open_kinds(org)
    entry = PersonalData.objects.create(organization=org, name="顧客名簿", purpose="発送")
    entry.contractors.add(s.supplier)
    assert "privacy.contract_clauses_missing" in open_kinds(org)


def test_certification_expired(org: Any) -> None:
    today = timezone.localdate()
    s = supervised(org, certification="pmark", certification_expires_on=today - timedelta(days=1))
    assert "privacy.certification_expired" in open_kinds(org)
    Supervision.objects.filter(pk=s.pk).update(certification_expires_on=today + timedelta(days=9))
    assert "privacy.certification_expired" not in open_kinds(org)


def test_no_audit_in_twelve_months_then_an_audit_resolves_it(org: Any) -> None:
    today = timezone.localdate()
    s = supervised(org, entrusts_personal_data=True, **all_clauses())
    services.add_audit(None, s, audited_on=today - timedelta(days=400), method="visit")
    assert "privacy.contractor_not_audited" in open_kinds(org)
    services.add_audit(None, s, audited_on=today - timedelta(days=10), method="report")
    assert "privacy.contractor_not_audited" not in open_kinds(org)


def test_no_audit_ignores_suppliers_without_personal_data(org: Any) -> None:
    supervised(org, entrusts_confidential_data=True)
    assert "privacy.contractor_not_audited" not in open_kinds(org)


def test_abroad_without_regime_recorded(org: Any) -> None:
    s = supervised(org, processing_countries="ベトナム")
    assert "privacy.contractor_abroad_regime_unrecorded" in open_kinds(org)
    finding = Finding.objects.get(kind="privacy.contractor_abroad_regime_unrecorded")
    assert finding.params["countries"] == ["ベトナム"]
    Supervision.objects.filter(pk=s.pk).update(foreign_regime="個人情報保護法あり（2023年施行）")
    assert "privacy.contractor_abroad_regime_unrecorded" not in open_kinds(org)


def test_servers_abroad_on_the_supplier_needs_the_countries_too(org: Any) -> None:
    s = supervised(org, foreign_regime="調査済み")
    Supplier.objects.filter(pk=s.supplier_id).update(servers_abroad=True)
    assert "privacy.contractor_abroad_regime_unrecorded" in open_kinds(org)
    Supervision.objects.filter(pk=s.pk).update(processing_countries="米国")
    assert "privacy.contractor_abroad_regime_unrecorded" not in open_kinds(org)


def test_reentrustment_allowed_without_approval(org: Any) -> None:
    plain = Supplier.objects.create(organization=org, name="印刷会社", subcontracting_allowed=True)
    assert "privacy.reentrustment_unapproved" in open_kinds(org)
    Supervision.objects.create(organization=org, supplier=plain, reentrustment_approved=True)
    assert "privacy.reentrustment_unapproved" not in open_kinds(org)


def test_inventory_supplier_rules_leave_supervised_suppliers_to_these_rules(org: Any) -> None:
    today = timezone.localdate()
    supplier = Supplier.objects.create(
        organization=org,
        name="給与計算",
        handles_personal_data=True,
        servers_abroad=True,
        next_audit_on=today - timedelta(days=5),
    )
    inventory = {
        "inventory.supplier_no_security_clauses",
        "inventory.supplier_audit_overdue",
        "inventory.supplier_abroad_unreviewed",
    }
    assert inventory <= open_kinds(org, "inventory.supplier")
    Supervision.objects.create(organization=org, supplier=supplier)
    assert open_kinds(org, "inventory.supplier") == set()
    assert {
        "privacy.contract_clauses_missing",
        "privacy.contractor_not_audited",
        "privacy.contractor_abroad_regime_unrecorded",
    } <= open_kinds(org, "privacy.")


def test_personal_data_without_purpose_or_owner(org: Any) -> None:
    from mamori.inventory.models import Person

    entry = PersonalData.objects.create(organization=org, name="名簿")
    assert "privacy.data_without_purpose_or_owner" in open_kinds(org)
    assert Finding.objects.get(kind="privacy.data_without_purpose_or_owner").params["missing"] == [
        "purpose",
        "owner",
    ]
    owner = Person.objects.create(organization=org, name="総務")
    PersonalData.objects.filter(pk=entry.pk).update(purpose="連絡", owner=owner)
    assert "privacy.data_without_purpose_or_owner" not in open_kinds(org)


def test_sensitive_data_on_a_share_open_beyond_the_organisation(org: Any) -> None:
    share = Share.objects.create(organization=org, name="健診", scope=ShareScope.PARTNERS)
    entry = PersonalData.objects.create(organization=org, name="健診結果", sensitive=True)
    entry.shares.add(share)
    assert "privacy.sensitive_data_open_share" in open_kinds(org)
    Share.objects.filter(pk=share.pk).update(scope=ShareScope.INTERNAL)
    assert "privacy.sensitive_data_open_share" not in open_kinds(org)
    # Not 要配慮: the inventory's own share rule speaks for ordinary personal data.
    Share.objects.filter(pk=share.pk).update(scope=ShareScope.PUBLIC)
    PersonalData.objects.filter(pk=entry.pk).update(sensitive=False)
    assert "privacy.sensitive_data_open_share" not in open_kinds(org)


def test_foreign_transfer_without_consent_or_regime(org: Any) -> None:
    entry = PersonalData.objects.create(
        organization=org, name="海外拠点へ送る顧客情報", foreign_transfer=True
    )
    assert "privacy.foreign_transfer_unrecorded" in open_kinds(org)
    assert Finding.objects.get(kind="privacy.foreign_transfer_unrecorded").params["missing"] == [
        "countries",
        "consent",
        "regime",
    ]
    PersonalData.objects.filter(pk=entry.pk).update(
        foreign_countries="シンガポール",
        foreign_consent=True,
        foreign_info_given=True,
        foreign_regime="PDPA",
    )
    assert "privacy.foreign_transfer_unrecorded" not in open_kinds(org)


def test_retention_passed(org: Any) -> None:
    today = timezone.localdate()
    entry = PersonalData.objects.create(
        organization=org, name="応募者", retain_until=today - timedelta(days=1)
    )
    assert "privacy.retention_passed" in open_kinds(org)
    PersonalData.objects.filter(pk=entry.pk).update(retain_until=today)
    assert "privacy.retention_passed" not in open_kinds(org)


def test_findings_read_in_each_language_and_link_to_the_record(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    s = supervised(org, entrusts_personal_data=True)
    run_rules(org)
    finding = Finding.objects.get(organization=org, kind="privacy.contract_clauses_missing")
    client = client_as(members["viewer"])
    ja = client.get(f"/o/{org.slug}/findings/{finding.pk}/", HTTP_ACCEPT_LANGUAGE="ja")
    body = ja.content.decode()
    assert "当社による監査の権利" in body
    assert f"/o/{org.slug}/inventory/supervision/{s.pk}/" in body
    client.post("/i18n/setlang/", {"language": "en"})
    en = client.get(f"/o/{org.slug}/findings/{finding.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert "our right to audit" in en.content.decode()


# --- the questionnaire link ------------------------------------------------------------------

ANSWERS = {
    "certification": "Pマーク 第1234号",
    "certification_expires_on": "2030-03-31",
    "policy": "yes",
    "training": "yes",
    "access_control": "no",
    "encryption": "yes",
    "reentrustment": "yes",
    "countries": "",
    "incident_hours": "24",
    "deletion": "yes",
    "respondent": "情報管理部 田中",
}


def _csrf_post(client: Client, url: str, data: dict[str, str]) -> Any:
    page = client.get(url)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    assert token, page.content.decode()[:500]
    return client.post(url, {**data, "csrfmiddlewaretoken": token.group(1)})


def test_owner_creates_a_link_the_supplier_answers_once_without_an_account(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    s = supervised(org, entrusts_personal_data=True)
    owner = client_as(members["owner"])
    with override_settings(BASE_URL="https://mamori.example.jp"):
        created = owner.post(f"/o/{org.slug}/privacy/supervision/{s.pk}/link/")
    assert created.status_code == 200
    url = re.search(r'value="(https://mamori\.example\.jp/q/[^"]+/)"', created.content.decode())
    assert url is not None
    url = url.group(1)
    token = url.rstrip("/").rsplit("/", 1)[1]
    link = QuestionnaireLink.objects.get(supervision=s)
    assert link.token_hash == hash_token(token) and token not in link.token_hash
    assert AuditEvent.objects.filter(action="privacy.questionnaire_link_created").count() == 1

    supplier = Client(enforce_csrf_checks=True)  # no account, no session
    path = f"/q/{token}/"
    page = supplier.get(path, HTTP_ACCEPT_LANGUAGE="ja")
    assert page.status_code == 200
    assert "再委託" in page.content.decode()
    assert "sessionid" not in supplier.cookies
    done = _csrf_post(supplier, path, ANSWERS)
    assert done.status_code == 200
    link.refresh_from_db()
    assert link.used_at is not None and link.answers["access_control"] == "no"
    audit = SupervisionAudit.objects.get(supervision=s)
    assert audit.method == "questionnaire" and audit.questionnaire_id == link.pk
    assert AuditEvent.objects.filter(action="privacy.questionnaire_answered").count() == 1
    # Single use: the link is dead, for reading and for a replayed answer.
    assert supplier.get(path).status_code == 410
    assert _post_without_checks(path).status_code == 410
    assert SupervisionAudit.objects.filter(supervision=s).count() == 1
    # The answers are shown on the record, and the audit resolves "not audited".
    detail = owner.get(f"/o/{org.slug}/inventory/supervision/{s.pk}/").content.decode()
    assert "情報管理部 田中" in detail
    assert "privacy.contractor_not_audited" not in open_kinds(org)


def _post_without_checks(path: str) -> Any:
    return Client().post(path, ANSWERS)


def test_the_supplier_page_follows_the_browser_or_the_switch(org: Any) -> None:
    s = supervised(org)
    _link, token = services.create_link(None, s)
    english = Client().get(f"/q/{token}/", HTTP_ACCEPT_LANGUAGE="en")
    body = english.content.decode()
    assert "Do you ask our consent before passing" in body and "再委託" not in body
    switched = Client().get(f"/q/{token}/?lang=ja", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "再委託" in switched and "Do you ask our consent" not in switched
    # A missing required answer is explained in the page's language.
    missing = Client().post(f"/q/{token}/", {"lang": "ja"})
    assert missing.status_code == 200
    assert "このフィールドは必須です。" in missing.content.decode()


def test_expired_or_unknown_links_are_refused(org: Any) -> None:
    s = supervised(org)
    link, token = services.create_link(None, s)
    QuestionnaireLink.objects.filter(pk=link.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert Client().get(f"/q/{token}/").status_code == 410
    assert _post_without_checks(f"/q/{token}/").status_code == 410
    assert Client().get("/q/not-a-token/").status_code == 410
    assert not SupervisionAudit.objects.exists()


def test_the_public_page_is_rate_limited(org: Any) -> None:
    from mamori.privacy.models import QuestionnaireHit
    from mamori.privacy.views import PUBLIC_LIMIT, PUBLIC_WINDOW_SECONDS

    client = Client(REMOTE_ADDR="198.51.100.7")
    codes = [client.get("/q/guess/").status_code for _ in range(PUBLIC_LIMIT + 1)]
    assert codes[:PUBLIC_LIMIT] == [410] * PUBLIC_LIMIT
    limited = client.get("/q/guess/")
    assert codes[-1] == 429 and limited.status_code == 429
    assert limited["Retry-After"] == str(PUBLIC_WINDOW_SECONDS)
    assert Client(REMOTE_ADDR="198.51.100.8").get("/q/guess/").status_code == 410
    # Counted in the database (every web process sees it); the window moves on.
    QuestionnaireHit.objects.filter(ip="198.51.100.7").update(
        at=timezone.now() - timedelta(seconds=PUBLIC_WINDOW_SECONDS + 1)
    )
    assert client.get("/q/guess/").status_code == 410
    assert QuestionnaireHit.objects.filter(ip="198.51.100.7").count() == 1


def test_creating_a_link_needs_sudo_and_an_editor(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    s = supervised(org)
    url = f"/o/{org.slug}/privacy/supervision/{s.pk}/link/"
    assert client_as(members["viewer"]).post(url).status_code == 403
    no_sudo = client_as(members["owner"], sudo=False).post(url)
    assert no_sudo.status_code == 302 and "sudo" in no_sudo["Location"]
    assert not QuestionnaireLink.objects.exists()


def test_an_editor_revokes_a_link_and_the_supplier_sees_a_clear_page(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    s = supervised(org, entrusts_personal_data=True)
    link, token = services.create_link(None, s)
    path = f"/q/{token}/"
    supplier = Client(enforce_csrf_checks=True)
    form = supplier.get(path)  # the supplier opened the page before the link was revoked
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.content.decode())
    assert csrf is not None

    editor = client_as(members["editor"], sudo=False)  # revoking takes access away: no sudo
    detail = editor.get(f"/o/{org.slug}/inventory/supervision/{s.pk}/").content.decode()
    revoke = f"/o/{org.slug}/privacy/links/{link.pk}/revoke/"
    assert revoke in detail
    assert client_as(members["viewer"]).post(revoke).status_code == 403
    response = editor.post(revoke)
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.revoked_at is not None and link.revoked_by == members["editor"]
    event = AuditEvent.objects.get(action="privacy.questionnaire_link_revoked")
    assert event.object_id == str(s.pk)
    detail = editor.get(f"/o/{org.slug}/inventory/supervision/{s.pk}/").content.decode()
    assert "取り消し済み" in detail and revoke not in detail
    # Revoking twice changes nothing and records nothing more.
    assert editor.post(revoke).status_code == 302
    assert AuditEvent.objects.filter(action="privacy.questionnaire_link_revoked").count() == 1

    # The page says so in the reader's language, names nobody, and takes no answers.
    page = Client().get(path, HTTP_ACCEPT_LANGUAGE="ja")
    body = page.content.decode()
    assert page.status_code == 410 and "取り消されました" in body
    assert org.name not in body and "発送代行" not in body
    english = Client().get(path, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "withdrawn" in english and "取り消されました" not in english
    answered = supplier.post(path, {**ANSWERS, "csrfmiddlewaretoken": csrf.group(1)})
    assert answered.status_code == 410
    link.refresh_from_db()
    assert link.used_at is None and link.answers == {}
    assert not SupervisionAudit.objects.filter(supervision=s).exists()
    assert not AuditEvent.objects.filter(action="privacy.questionnaire_answered").exists()
    # An answer racing the revocation loses too (the service checks again as it stores).
    with pytest.raises(services.LinkUsed):
        services.submit_answers(None, link, {"policy": "yes"}, "ja")
    assert not SupervisionAudit.objects.filter(supervision=s).exists()


def test_an_expired_link_shows_a_clear_page_in_both_languages(org: Any) -> None:
    s = supervised(org)
    link, token = services.create_link(None, s)
    QuestionnaireLink.objects.filter(pk=link.pk).update(expires_at=timezone.now())
    page = Client().get(f"/q/{token}/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "期限が切れました" in page and org.name not in page
    page = Client().get(f"/q/{token}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "has expired" in page and "withdrawn" not in page


def test_a_new_link_replaces_the_outstanding_one(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    s = supervised(org)
    other = supervised(org, name="別の委託先")
    old, old_token = services.create_link(None, s)
    elsewhere, elsewhere_token = services.create_link(None, other)
    owner = client_as(members["owner"])
    detail = owner.get(f"/o/{org.slug}/inventory/supervision/{s.pk}/").content.decode()
    assert "新しいリンクを作成" in detail
    created = owner.post(f"/o/{org.slug}/privacy/supervision/{s.pk}/link/")
    assert created.status_code == 200
    assert "以前のリンクは使えなくなりました" in created.content.decode()
    old.refresh_from_db()
    elsewhere.refresh_from_db()
    assert old.revoked_at is not None and elsewhere.revoked_at is None
    assert Client().get(f"/q/{old_token}/").status_code == 410
    assert Client().get(f"/q/{elsewhere_token}/").status_code == 200
    new = QuestionnaireLink.objects.filter(supervision=s).latest("pk")
    assert new.pk != old.pk and new.is_usable
    # One audit event for the change: the new link, saying it replaced the old one.
    assert not AuditEvent.objects.filter(action="privacy.questionnaire_link_revoked").exists()
    event = AuditEvent.objects.filter(action="privacy.questionnaire_link_created").latest("pk")
    assert event.changes["replaced"] == 1


def test_links_of_another_organisation_cannot_be_revoked(
    org: Any, members: dict[str, Any], client_as: Any, make_user: Any
) -> None:
    from mamori.orgs.services import create_organization

    elsewhere = create_organization("よその会社", make_user("someone@elsewhere.example"))
    supplier = Supplier.objects.create(organization=elsewhere, name="よその委託先")
    theirs = Supervision.objects.create(organization=elsewhere, supplier=supplier)
    link, _token = services.create_link(None, theirs)
    editor = client_as(members["editor"])
    assert editor.post(f"/o/{org.slug}/privacy/links/{link.pk}/revoke/").status_code == 404
    link.refresh_from_db()
    assert link.revoked_at is None


def test_audit_rows_are_added_from_the_record_page(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    s = supervised(org)
    url = f"/o/{org.slug}/privacy/supervision/{s.pk}/audits/"
    data = {"audited_on": "2026-01-15", "method": "visit", "findings": "施錠なし"}
    assert client_as(members["viewer"]).post(url, data).status_code == 403
    assert client_as(members["editor"]).post(url, data).status_code == 302
    assert SupervisionAudit.objects.get(supervision=s).findings == "施錠なし"
    bad = client_as(members["editor"]).post(url, {"method": "visit"}, follow=True)
    assert SupervisionAudit.objects.count() == 1
    assert "このフィールドは必須です。" in bad.content.decode()


# --- the breach clock ------------------------------------------------------------------------


def test_the_breach_clock_reads_people_and_special_care_from_the_register(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    incident = Incident.objects.create(organization=org, title="PC 紛失")
    aware = timezone.now()
    decision = save_breach(None, incident, {"malicious": "no"}, aware)
    assert decision.status == "undetermined"  # nothing known about the data yet
    health = PersonalData.objects.create(
        organization=org, name="健診結果", sensitive=True, people_count=12
    )
    staff = PersonalData.objects.create(organization=org, name="社員名簿", people_count=30)
    editor = client_as(members["editor"])
    response = editor.post(
        f"/o/{org.slug}/privacy/incidents/{incident.pk}/personal-data/",
        {"entries": [health.pk, staff.pk]},
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.breach_status == "required"  # 要配慮 from the register
    assert incident.breach_answers == {"malicious": "no"}  # the register is not copied in
    page = editor.get(f"/o/{org.slug}/incidents/{incident.pk}/breach/").content.decode()
    assert "健診結果" in page and "register-sources" in page
    detail = editor.get(f"/o/{org.slug}/incidents/{incident.pk}/").content.decode()
    assert 'id="personal-data"' in detail and "健診結果" in detail


def test_answers_typed_by_hand_win_over_the_register(org: Any) -> None:
    from mamori.privacy.breach import with_register

    incident = Incident.objects.create(organization=org, title="誤送信")
    entry = PersonalData.objects.create(
        organization=org, name="会員", sensitive=True, people_count=2000
    )
    services.set_incident_data(None, incident, [entry])
    assert with_register(incident, {}) == {
        "personal_data": True,
        "sensitive": True,
        "affected_count": 2000,
    }
    # Only one record left the building: the person in charge says so and it wins.
    merged = with_register(incident, {"sensitive": "no", "affected_count": 1, "malicious": ""})
    assert merged["sensitive"] == "no" and merged["affected_count"] == 1
    decision = save_breach(
        None,
        incident,
        {"sensitive": "no", "affected_count": 1, "malicious": "no", "financial_risk": "no"},
        timezone.now(),
    )
    assert decision.status == "not_required"


def test_an_entry_without_a_count_leaves_the_count_to_the_person(org: Any) -> None:
    from mamori.privacy.breach import register_answers

    incident = Incident.objects.create(organization=org, title="x")
    a = PersonalData.objects.create(organization=org, name="a", people_count=5)
    b = PersonalData.objects.create(organization=org, name="b")
    services.set_incident_data(None, incident, [a, b])
    assert "affected_count" not in register_answers(incident)
    assert register_answers(incident)["sensitive"] is False


def test_incident_data_is_organisation_scoped(
    org: Any, members: dict[str, Any], client_as: Any, make_user: Any
) -> None:
    from mamori.orgs.models import Organization

    other = Organization.objects.create(name="他社", slug="other")
    foreign = PersonalData.objects.create(organization=other, name="他社の名簿")
    incident = Incident.objects.create(organization=org, title="y")
    response = client_as(members["editor"]).post(
        f"/o/{org.slug}/privacy/incidents/{incident.pk}/personal-data/",
        {"entries": [foreign.pk]},
    )
    assert response.status_code == 200  # the form refuses a choice outside the organisation
    assert not foreign.incidents.exists()


# --- demo --------------------------------------------------------------------------------------


def test_demo_shows_an_unaudited_contractor_and_a_register_fed_breach_clock() -> None:
    from mamori.core.demo import run

    ctx = run()
    org = ctx.org
    kinds = set(
        Finding.objects.filter(organization=org, status="open").values_list("kind", flat=True)
    )
    assert {
        "privacy.contractor_not_audited",
        "privacy.contract_clauses_missing",
        "privacy.certification_expired",
        "privacy.retention_passed",
        "privacy.data_without_purpose_or_owner",
    } <= kinds
    incident = Incident.objects.get(organization=org, title="経理部 PC に身代金要求画面")
    from mamori.privacy.breach import with_register

    answers = with_register(incident, incident.breach_answers)
    assert answers["sensitive"] is True and answers["affected_count"] == 38 + 1450
    assert incident.breach_status == "required"


# --- the PPC checklist ------------------------------------------------------------------------


def test_weak_answers_of_the_ppc_checklist_name_the_register_entries(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    from django.urls import reverse

    from mamori.assessments.questionnaire import load_all
    from mamori.assessments.tests.helpers import answer_all, complete, start

    no_purpose = PersonalData.objects.create(organization=org, name="問い合わせ履歴")
    PersonalData.objects.create(organization=org, name="社員名簿", purpose="人事")
    s = supervised(org, name="発送代行社", clause_purpose=True)
    owner = client_as(members["owner"])
    assessment = start(owner, org, "personal_data")
    answers = {q.id: "yes" for q in load_all()["personal_data"].questions}
    answers.update({"pd01_purpose": "no", "pd06_contractors": "partly"})
    answer_all(owner, org, assessment, answers)
    complete(owner, org, assessment)
    page = owner.get(
        reverse("assessments:result", kwargs={"org_slug": org.slug, "pk": assessment.pk})
    ).content.decode()
    records = re.findall(r'<span class="records">(.*?)</span>', page, re.S)
    assert len(records) == 2
    joined = " ".join(records)
    assert f"/inventory/personal-data/{no_purpose.pk}/" in joined and "社員名簿" not in joined
    assert f"/inventory/supervision/{s.pk}/" in joined
