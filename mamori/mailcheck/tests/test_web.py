"""The mail check in the web app: upload, result page, history, sending to the administrators,
retention, trusted domains from the inventory, PPAP pairs, the dashboard tile and the demo."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail as django_mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone

from mamori.audit.models import AuditEvent
from mamori.findings.models import Finding
from mamori.inventory.models import Person, Service, Supplier
from mamori.mailcheck import queries, services
from mamori.mailcheck.models import CheckedMail, MailCheckSettings, RawMail, Source
from mamori.mailcheck.tiles import tiles

from .builders import build_mail
from .labelled import (
    bec_payee_change_eucjp,
    business_mail_invoice_normal,
    macro_docm_emotet_style,
    ppap_password_mail,
    ppap_zip_mail,
)

pytestmark = pytest.mark.django_db


def _url(name: str, org: Any, **kwargs: Any) -> str:
    return reverse(f"mailcheck:{name}", kwargs={"org_slug": org.slug, **kwargs})


def _upload(client: Any, org: Any, raw: bytes, name: str = "doubt.eml") -> Any:
    return client.post(_url("upload", org), {"mail": SimpleUploadedFile(name, raw)})


def _trust_partner(org: Any) -> None:
    Supplier.objects.create(
        organization=org, name="パートナー商事", domains="partner-trading.co.jp"
    )


def test_viewer_uploads_and_sees_each_reason_in_japanese(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    _trust_partner(org)
    viewer = client_as(members["viewer"])
    raw = bec_payee_change_eucjp()
    response = _upload(viewer, org, raw)
    assert response.status_code == 302
    checked = CheckedMail.objects.get(organization=org)
    assert checked.reporter == members["viewer"] and checked.verdict == "danger"
    assert bytes(RawMail.objects.get(mail=checked).data) == raw
    page = viewer.get(response["Location"]).content.decode()
    assert "危険" in page
    assert "partner-tradng.co.jp" in page  # the look-alike named as evidence
    assert "<mark><code>" in page  # evidence is highlighted
    ids = [s["id"] for s in checked.signals]
    for signal in checked.signals:
        assert signal["explanation"]["ja"] in page
    assert any(i.startswith("sender.") or i.startswith("domain.") for i in ids), ids
    assert (
        AuditEvent.objects.filter(action="mailcheck.checked", organization_id=org.pk).count() == 1
    )


def test_english_user_gets_english_reasons(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    viewer = client_as(members["viewer"])
    viewer.post(reverse("set_language"), {"language": "en"})
    response = _upload(viewer, org, macro_docm_emotet_style())
    checked = CheckedMail.objects.get(organization=org)
    page = viewer.get(response["Location"]).content.decode()
    macro = [s for s in checked.signals if "macro" in s["id"]]
    assert macro, [s["id"] for s in checked.signals]
    assert macro[0]["explanation"]["en"] in page
    assert macro[0]["explanation"]["ja"] not in page


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("doubt.pdf", b"%PDF-1.4", ".eml または .msg"),
        ("empty.eml", b"", "ファイル"),
    ],
)
def test_bad_uploads_are_explained_beside_the_field(
    org: Any, members: dict[str, Any], client_as: Any, name: str, data: bytes, message: str
) -> None:
    viewer = client_as(members["viewer"])
    response = _upload(viewer, org, data, name)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'class="error"' in page and message in page
    assert not CheckedMail.objects.exists()


def test_oversized_upload_is_refused(
    org: Any, members: dict[str, Any], client_as: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mamori.mailcheck import forms

    monkeypatch.setattr(forms, "MAX_MAIL_BYTES", 1000)
    viewer = client_as(members["viewer"])
    response = _upload(
        viewer, org, build_mail(sender=("A", "a@example.com"), subject="x", text="y" * 5000)
    )
    assert response.status_code == 400
    assert 'class="error"' in response.content.decode()
    assert not CheckedMail.objects.exists()


def test_not_a_mail_is_checked_without_crashing(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    viewer = client_as(members["viewer"])
    response = _upload(viewer, org, b"\x00\x01binary garbage\xff" * 50)
    assert response.status_code == 302
    checked = CheckedMail.objects.get()
    assert any(s["id"] == "message.unparseable" for s in checked.signals)
    assert viewer.get(response["Location"]).status_code == 200


def _fill_history(org: Any, user: Any, count: int) -> None:
    raw = business_mail_invoice_normal()
    for _ in range(count):
        services.check_mail(org, raw, source=Source.UPLOAD, reporter=user)


def test_history_query_count_is_constant(org: Any, members: dict[str, Any], client_as: Any) -> None:
    owner = client_as(members["owner"])
    url = _url("history", org)
    _fill_history(org, members["viewer"], 2)
    with CaptureQueriesContext(connection) as small:
        assert owner.get(url).status_code == 200
    _fill_history(org, members["editor"], 12)
    with CaptureQueriesContext(connection) as large:
        page = owner.get(url)
    assert page.status_code == 200
    assert page.content.decode().count('href="/o/') >= 14
    assert len(large.captured_queries) == len(small.captured_queries)


def test_viewer_sees_only_own_mails_and_administrators_see_all(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    mine = services.check_mail(
        org, business_mail_invoice_normal(), source=Source.UPLOAD, reporter=members["viewer"]
    ).mail
    theirs = services.check_mail(
        org, bec_payee_change_eucjp(), source=Source.UPLOAD, reporter=members["editor"]
    ).mail
    viewer = client_as(members["viewer"])
    assert viewer.get(_url("detail", org, pk=mine.pk)).status_code == 200
    assert viewer.get(_url("detail", org, pk=theirs.pk)).status_code == 404
    listed = viewer.get(_url("history", org)).content.decode()
    assert _url("detail", org, pk=mine.pk) in listed
    assert _url("detail", org, pk=theirs.pk) not in listed
    owner_list = client_as(members["owner"]).get(_url("history", org)).content.decode()
    assert _url("detail", org, pk=theirs.pk) in owner_list
    # Another organisation's mail is not found even by its owner.
    assert client_as(members["outsider"]).get(_url("detail", org, pk=mine.pk)).status_code == 404


def test_history_filters_by_verdict(org: Any, members: dict[str, Any], client_as: Any) -> None:
    _trust_partner(org)
    safe = services.check_mail(org, business_mail_invoice_normal(), source=Source.UPLOAD).mail
    bad = services.check_mail(org, bec_payee_change_eucjp(), source=Source.UPLOAD).mail
    page = client_as(members["owner"]).get(_url("history", org) + "?verdict=danger")
    text = page.content.decode()
    assert _url("detail", org, pk=bad.pk) in text
    assert _url("detail", org, pk=safe.pk) not in text


def test_report_to_administrators_opens_a_finding_and_mails_the_owners(
    org: Any, members: dict[str, Any], client_as: Any, django_capture_on_commit_callbacks: Any
) -> None:
    _trust_partner(org)
    viewer = client_as(members["viewer"])
    _upload(viewer, org, bec_payee_change_eucjp())
    checked = CheckedMail.objects.get()
    django_mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = viewer.post(
            _url("report", org, pk=checked.pk), {"note": "口座変更の依頼が来ました"}
        )
    assert response.status_code == 302
    checked.refresh_from_db()
    assert checked.reported_at is not None and checked.reported_by == members["viewer"]
    finding = Finding.objects.get(organization=org, kind="mailcheck.dangerous_mail")
    assert finding.severity == "high"
    assert finding.params["subject"] == checked.subject
    assert finding.subject_id == str(checked.pk)
    # The owners are mailed (after commit), the viewer is not.
    assert len(django_mail.outbox) == 1
    sent = django_mail.outbox[0]
    assert sent.to == [members["owner"].email]
    assert checked.subject in sent.body and "危険" in sent.body
    assert _url("detail", org, pk=checked.pk) in sent.body
    assert "Verdict" not in sent.body and "Suspicious" not in sent.subject  # Japanese only
    # The editor sees it in the to-do list.
    todo = client_as(members["editor"]).get(reverse("findings:todo", kwargs={"org_slug": org.slug}))
    assert checked.subject in todo.content.decode()


def test_owners_are_told_in_the_language_each_reads(
    org: Any,
    members: dict[str, Any],
    client_as: Any,
    make_user: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Two owners, one reading English: two mails, each in one language."""
    from mamori.accounts.services import profile_of
    from mamori.orgs.models import Membership, Role

    english = make_user("owner-en@example.jp", name="Alex Smith")
    Membership.objects.create(organization=org, user=english, role=Role.OWNER)
    profile = profile_of(english)
    profile.language = "en"
    profile.save(update_fields=["language"])
    viewer = client_as(members["viewer"])
    _upload(viewer, org, bec_payee_change_eucjp())
    checked = CheckedMail.objects.get()
    django_mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        viewer.post(_url("report", org, pk=checked.pk), {"opened_or_clicked": "on"})
    by_recipient = {tuple(sent.to): sent for sent in django_mail.outbox}
    assert set(by_recipient) == {(members["owner"].email,), (english.email,)}
    japanese, english_mail = by_recipient[(members["owner"].email,)], by_recipient[(english.email,)]
    assert japanese.subject.startswith("[mamori] 不審メールの報告:")
    assert "判定: 危険" in japanese.body and "パスワードを入力" in japanese.body
    assert "Verdict" not in japanese.body and "reported" not in japanese.body
    assert english_mail.subject.startswith("[mamori] Suspicious mail reported:")
    assert "Verdict: Danger" in english_mail.body and "typed a password" in english_mail.body
    assert "判定" not in english_mail.body and "さん" not in english_mail.body


def test_opened_or_clicked_makes_the_finding_critical(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    viewer = client_as(members["viewer"])
    _upload(viewer, org, macro_docm_emotet_style())
    checked = CheckedMail.objects.get()
    viewer.post(_url("report", org, pk=checked.pk), {"opened_or_clicked": "on"})
    finding = Finding.objects.get(organization=org, kind="mailcheck.dangerous_mail")
    assert finding.severity == "critical"
    checked.refresh_from_db()
    assert checked.opened_or_clicked


def test_report_with_overlong_note_changes_nothing(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    viewer = client_as(members["viewer"])
    _upload(viewer, org, macro_docm_emotet_style())
    checked = CheckedMail.objects.get()
    viewer.post(_url("report", org, pk=checked.pk), {"note": "x" * 3000})
    checked.refresh_from_db()
    assert checked.reported_at is None
    assert not Finding.objects.filter(kind="mailcheck.dangerous_mail").exists()


def test_raw_download_for_editors_until_purged(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    raw = macro_docm_emotet_style()
    checked = services.check_mail(org, raw, source=Source.UPLOAD).mail
    editor = client_as(members["editor"])
    response = editor.get(_url("raw", org, pk=checked.pk))
    assert response.status_code == 200 and response.content == raw
    assert response["Content-Disposition"].startswith("attachment")
    download = AuditEvent.objects.get(action="mailcheck.raw_downloaded")
    assert download.object_id == str(checked.pk) and download.actor_id == members["editor"].pk
    CheckedMail.objects.filter(pk=checked.pk).update(checked_at=timezone.now() - timedelta(days=31))
    assert services.purge_raw() == 1
    assert editor.get(_url("raw", org, pk=checked.pk)).status_code == 404
    assert client_as(members["viewer"]).get(_url("raw", org, pk=checked.pk)).status_code == 403


@override_settings(MAIL_RETENTION_DAYS=10)
def test_purge_keeps_verdict_and_signals_and_recent_mails(org: Any) -> None:
    old = services.check_mail(org, macro_docm_emotet_style(), source=Source.UPLOAD).mail
    recent = services.check_mail(org, bec_payee_change_eucjp(), source=Source.UPLOAD).mail
    CheckedMail.objects.filter(pk=old.pk).update(checked_at=timezone.now() - timedelta(days=11))
    CheckedMail.objects.filter(pk=recent.pk).update(checked_at=timezone.now() - timedelta(days=9))
    assert services.purge_raw() == 1
    assert services.purge_raw() == 0  # idempotent
    old.refresh_from_db()
    assert old.raw_purged_at is not None and old.verdict == "danger" and old.signals
    assert not RawMail.objects.filter(mail=old).exists()
    assert RawMail.objects.filter(mail=recent).exists()


def test_purge_runs_as_a_recurring_job(org: Any, django_capture_on_commit_callbacks: Any) -> None:
    from mamori.core import jobs
    from mamori.core.models import Job

    with django_capture_on_commit_callbacks(execute=True):
        old = services.check_mail(org, macro_docm_emotet_style(), source=Source.UPLOAD).mail
    job = Job.objects.get(unique_key=services.PURGE_JOB)
    assert job.repeat_seconds == services.PURGE_EVERY_SECONDS
    CheckedMail.objects.filter(pk=old.pk).update(checked_at=timezone.now() - timedelta(days=40))
    Job.objects.filter(pk=job.pk).update(run_at=timezone.now() - timedelta(seconds=1))
    jobs.load_handlers()
    assert jobs.run_one("test-worker")
    assert not RawMail.objects.filter(mail=old).exists()
    job.refresh_from_db()
    assert job.status == "queued" and job.run_at > timezone.now()  # scheduled again


def test_context_comes_from_settings_and_inventory(org: Any) -> None:
    services.update_settings(None, org, {"own_domains": "our-office.co.jp"})
    Supplier.objects.create(organization=org, name="A", domains="partner-trading.co.jp, 取引.jp")
    Supplier.objects.create(
        organization=org, name="Gone", domains="old-partner.co.jp", archived_at=timezone.now()
    )
    Service.objects.create(organization=org, name="Chat", url="https://acme.chatwork.com/x")
    Person.objects.create(organization=org, name="佐藤 花子", email="Sato@Our-Branch.co.jp")
    Person.objects.create(organization=org, name="Home", email="someone@gmail.com")
    with CaptureQueriesContext(connection) as queries_run:
        context = queries.context_for(org)
    assert len(queries_run.captured_queries) == 4
    trusted = set(context.trusted_domains)
    assert {"our-office.co.jp", "partner-trading.co.jp", "acme.chatwork.com"} <= trusted
    assert "our-branch.co.jp" in trusted and "取引.jp" in trusted
    assert "old-partner.co.jp" not in trusted and "gmail.com" not in trusted
    assert context.known_contacts["佐藤 花子"] == ["sato@our-branch.co.jp"]


def test_supplier_domain_makes_its_lookalike_dangerous(org: Any) -> None:
    before = services.check_mail(org, bec_payee_change_eucjp(), source=Source.UPLOAD).mail
    _trust_partner(org)
    after = services.check_mail(org, bec_payee_change_eucjp(), source=Source.UPLOAD).mail
    assert "partner-trading.co.jp" in " ".join(s["evidence"] for s in after.signals)
    assert after.score >= before.score


def test_ppap_pair_is_shown_on_both_results(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    owner = client_as(members["owner"])
    zip_mail = services.check_mail(org, ppap_zip_mail(), source=Source.UPLOAD).mail
    password = services.check_mail(org, ppap_password_mail(), source=Source.UPLOAD).mail
    other = services.check_mail(org, business_mail_invoice_normal(), source=Source.UPLOAD).mail
    assert zip_mail.facts["encrypted_archives"] and password.facts["password_notice"]
    zip_page = owner.get(_url("detail", org, pk=zip_mail.pk)).content.decode()
    password_page = owner.get(_url("detail", org, pk=password.pk)).content.decode()
    assert "PPAP" in zip_page and _url("detail", org, pk=password.pk) in zip_page
    assert "PPAP" in password_page and _url("detail", org, pk=zip_mail.pk) in password_page
    assert "PPAP" not in owner.get(_url("detail", org, pk=other.pk)).content.decode()


def test_tile_counts_this_month(org: Any, members: dict[str, Any]) -> None:
    from mamori.orgs.models import Membership

    services.check_mail(org, bec_payee_change_eucjp(), source=Source.UPLOAD)
    services.check_mail(org, macro_docm_emotet_style(), source=Source.UPLOAD)
    services.check_mail(org, business_mail_invoice_normal(), source=Source.UPLOAD)
    old = services.check_mail(org, macro_docm_emotet_style(), source=Source.UPLOAD).mail
    CheckedMail.objects.filter(pk=old.pk).update(checked_at=timezone.now() - timedelta(days=40))
    membership = Membership.objects.get(organization=org, user=members["owner"])
    with CaptureQueriesContext(connection) as run:
        (tile,) = tiles(org, membership)
    assert len(run.captured_queries) == 1
    dangerous = CheckedMail.objects.filter(
        organization=org, verdict="danger", checked_at__gte=timezone.now() - timedelta(days=1)
    ).count()
    assert tile.value == 3
    assert str(dangerous) in str(tile.note)
    assert tile.level == "danger"


def test_dashboard_shows_the_tile(org: Any, members: dict[str, Any], client_as: Any) -> None:
    services.check_mail(org, macro_docm_emotet_style(), source=Source.UPLOAD)
    page = client_as(members["viewer"]).get(f"/o/{org.slug}/").content.decode()
    assert "今月チェックしたメール" in page


def test_settings_validate_domains_and_never_show_the_password(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    owner = client_as(members["owner"])
    url = _url("settings", org)
    bad = owner.post(
        url, {"own_domains": "our-office.co.jp, not a domain!", "imap_folder": "INBOX"}
    )
    assert bad.status_code == 400 and "not" in bad.content.decode()
    assert not MailCheckSettings.objects.filter(organization=org).exists()
    missing = owner.post(url, {"imap_enabled": "on", "imap_folder": "INBOX"})
    assert missing.status_code == 400
    good = owner.post(
        url,
        {
            "own_domains": "our-office.co.jp",
            "imap_enabled": "on",
            "imap_host": "imap.example.jp",
            "imap_port": "993",
            "imap_use_ssl": "on",
            "imap_username": "report@our-office.co.jp",
            "imap_password": "Very-Secret-Pw-123",
            "imap_folder": "INBOX",
        },
    )
    assert good.status_code == 302
    stored = MailCheckSettings.objects.get(organization=org)
    assert "Very-Secret-Pw-123" not in stored.imap_password_encrypted
    page = owner.get(url).content.decode()
    assert "Very-Secret-Pw-123" not in page and "••••" in page
    events = AuditEvent.objects.filter(action="mailcheck.settings_changed")
    assert not any("Very-Secret-Pw-123" in str(e.changes) for e in events)
    # Saving again without a password keeps the stored one.
    owner.post(
        url,
        {
            "own_domains": "our-office.co.jp, our-office.com",
            "imap_enabled": "on",
            "imap_host": "imap.example.jp",
            "imap_port": "993",
            "imap_use_ssl": "on",
            "imap_username": "report@our-office.co.jp",
            "imap_folder": "INBOX",
        },
    )
    from mamori.mailcheck import credentials

    stored.refresh_from_db()
    assert credentials.decrypt(stored.imap_password_encrypted) == "Very-Secret-Pw-123"
    assert stored.own_domain_list == ["our-office.co.jp", "our-office.com"]


def test_editor_reads_settings_but_cannot_change_them(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    editor = client_as(members["editor"])
    assert editor.get(_url("settings", org)).status_code == 200
    assert editor.post(_url("settings", org), {"own_domains": "x.jp"}).status_code == 403


def test_check_address_is_unique_and_resolves(org: Any, members: dict[str, Any]) -> None:
    from mamori.mailcheck.forms import SettingsForm
    from mamori.mailcheck.inbound import default_check_address, org_for_address
    from mamori.orgs.models import Organization

    assert org_for_address(default_check_address(org)) == org
    services.update_settings(None, org, {"check_address": "Check@Our-Office.co.jp"})
    assert org_for_address("check@our-office.co.jp") == org
    assert org_for_address(default_check_address(org)) is None  # replaced by its own address
    other = Organization.objects.exclude(pk=org.pk).get()
    form = SettingsForm(
        {"check_address": "check@our-office.co.jp", "imap_folder": "INBOX"},
        instance=queries.settings_for(other),
    )
    assert not form.is_valid() and "check_address" in form.errors


def test_demo_builds_a_populated_history() -> None:
    from mamori.core.demo import run

    ctx = run()
    mails = {m.file_name: m for m in CheckedMail.objects.filter(organization=ctx.org)}
    assert mails["phishing.eml"].verdict == "danger"
    assert mails["bec.eml"].verdict == "danger" and mails["bec.eml"].reported_at is not None
    assert mails["ordinary.eml"].verdict == "safe"
    assert queries.ppap_pairs(ctx.org, mails["ppap_zip.eml"])
    assert Finding.objects.filter(organization=ctx.org, kind="mailcheck.dangerous_mail").exists()


def test_outlook_msg_upload_is_checked_and_downloadable_as_msg(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    from .builders import msg_bytes

    data = msg_bytes(
        subject="振込先変更のお願い",
        sender_name="山田 太郎",
        sender_address="yamada@partner-tradng.co.jp",
        body="振込先口座が変更になりました。至急、新しい口座へお振込みください。",
    )
    _trust_partner(org)
    response = _upload(client_as(members["viewer"]), org, data, "振込.msg")
    assert response.status_code == 302
    checked = CheckedMail.objects.get()
    assert checked.facts["format"] == "msg" and checked.file_name == "振込.msg"
    assert checked.subject == "振込先変更のお願い" and checked.verdict == "danger"
    download = client_as(members["owner"]).get(_url("raw", org, pk=checked.pk))
    assert download.content == data and 'filename="mail-' in download["Content-Disposition"]
    assert download["Content-Disposition"].endswith('.msg"')


def test_declared_oversized_upload_is_refused_before_reading(
    org: Any, members: dict[str, Any], client_as: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mamori.mailcheck import views

    monkeypatch.setattr(services, "MAX_MAIL_BYTES", 2 * 1024 * 1024)
    monkeypatch.setattr(views, "UPLOAD_OVERHEAD_BYTES", 0)
    viewer = client_as(members["viewer"])
    response = _upload(viewer, org, b"From: a@example.com\r\n\r\n" + b"x" * (3 * 1024 * 1024))
    assert response.status_code == 413
    assert "2 MB" in response.content.decode() and 'role="alert"' in response.content.decode()
    assert not CheckedMail.objects.exists()


def test_upload_still_needs_the_csrf_token(org: Any, members: dict[str, Any]) -> None:
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(members["viewer"])
    raw = build_mail(sender=("A", "a@example.com"), subject="x", text="y")
    response = _upload(client, org, raw)
    assert response.status_code == 403
    assert not CheckedMail.objects.exists()


def test_system_schedule_makes_one_purge_job() -> None:
    from mamori.core.models import Job
    from mamori.mailcheck.tasks import ensure_schedules

    ensure_schedules()
    ensure_schedules()
    assert Job.objects.filter(unique_key=services.PURGE_JOB, kind=services.PURGE_JOB).count() == 1
