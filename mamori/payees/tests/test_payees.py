"""Payees and verified payee changes (issue 17): validation, the approval workflow, masking,
the account-unchecked finding and the export for the accounting software."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation
from hypothesis import example, given
from hypothesis import strategies as st

from mamori.audit.models import AuditEvent
from mamori.findings.models import Finding
from mamori.findings.services import run_rules
from mamori.inventory.registers import REGISTERS
from mamori.payees import banking
from mamori.payees.models import ChangeStatus, Payee, PayeeChange

DOMESTIC = {
    "name": "テスト商事",
    "phone_on_record": "03-1111-2222",
    "destination": "domestic",
    "bank_name": "三井住友銀行",
    "bank_code": "0009",
    "branch_name": "本店",
    "branch_code": "001",
    "account_type": "ordinary",
    "account_number": "1234567",
    "holder_kana": "テストシヨウジ",
}
NEW_ACCOUNT = {
    "channel": "mail",
    "destination": "domestic",
    "bank_name": "りそな銀行",
    "bank_code": "0010",
    "branch_name": "新宿支店",
    "branch_code": "222",
    "account_type": "ordinary",
    "account_number": "7654321",
    "holder_kana": "テストシヨウジ",
    "phone_in_request": "090-9999-0000",
}


def _payee(org: Any, **extra: Any) -> Payee:
    values = {**DOMESTIC, **extra}
    payee = Payee(organization=org, **values)
    payee.full_clean()
    payee.save()
    return payee


def _english(user: Any) -> None:
    from mamori.accounts.services import profile_of

    profile = profile_of(user)
    profile.language = "en"
    profile.save()


def _url(name: str, org: Any, **kwargs: Any) -> str:
    return reverse(f"payees:{name}", kwargs={"org_slug": org.slug, **kwargs})


def _request(client: Any, org: Any, payee: Payee, **extra: Any) -> PayeeChange:
    response = client.post(_url("change_new", org, payee_pk=payee.pk), {**NEW_ACCOUNT, **extra})
    assert response.status_code == 302, response.content.decode()[:2000]
    return PayeeChange.objects.filter(payee=payee).latest("pk")


def _callback(client: Any, org: Any, change: PayeeChange, outcome: str = "confirmed") -> None:
    response = client.post(
        _url("callback", org, pk=change.pk),
        {
            "called_at": "2026-01-05T10:00",
            "answered_by": "経理部長 佐々木",
            "outcome": outcome,
            # A number in the post is ignored: the call is logged to the number on record.
            "number_called": "090-9999-0000",
        },
    )
    assert response.status_code == 302


def _checklist(client: Any, org: Any, change: PayeeChange) -> None:
    client.post(
        _url("checklist", org, pk=change.pk),
        {
            "sender_checked": "on",
            "previous_contact_confirmed": "on",
            "amount_timing_plausible": "on",
        },
    )


# --- validation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("iban", "problem"),
    [
        ("GB82WEST12345698765432", ""),
        ("DE89370400440532013000", ""),
        ("GB82WEST12345698765433", "checksum"),
        ("DE8937040044053201300", "length"),
        ("12345", "shape"),
    ],
)
def test_iban_mod_97(iban: str, problem: str) -> None:
    assert banking.iban_error(iban) == problem


def test_bic_and_digits() -> None:
    assert banking.bic_error("DEUTDEFF") == ""
    assert banking.bic_error("DEUTDEFF500") == ""
    assert banking.bic_error("DEUTDE") == "shape"
    assert banking.bic_error("DEUTDEFF50") == "shape"
    assert banking.normalise_digits("０１２３－４５６") == "0123456"
    assert banking.normalise_code(" gb82 west 1234 ") == "GB82WEST1234"
    assert banking.mask("1234567") == "****567"


@pytest.mark.django_db
def test_register_form_validates_codes_in_the_users_language(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    editor = client_as(members["editor"])
    url = reverse("inventory:create", kwargs={"org_slug": org.slug, "register": "payees"})
    bad = {**DOMESTIC, "bank_code": "12", "branch_code": "1234", "account_number": "12345678"}
    page = editor.post(url, bad).content.decode()
    assert "銀行コードは4桁" in page and "支店コードは3桁" in page and "口座番号は7桁" in page
    _english(members["editor"])
    page = editor.post(url, bad).content.decode()
    assert "The bank code is 4 digits" in page
    assert not Payee.objects.filter(organization=org).exists()
    # Full-width digits and hyphens are accepted and stored as ASCII digits.
    wide = {
        **DOMESTIC,
        "bank_code": "０００９",
        "branch_code": "００１",
        "account_number": "１２３－４５６７",
    }
    assert editor.post(url, wide).status_code == 302
    payee = Payee.objects.get(organization=org)
    assert (payee.bank_code, payee.branch_code, payee.account_number) == ("0009", "001", "1234567")
    assert payee.account_verified  # set-up is the baseline


@pytest.mark.django_db
def test_overseas_needs_valid_iban_and_bic(org: Any, members: dict[str, Any], client_as: Any):
    editor = client_as(members["editor"])
    _english(members["editor"])
    url = reverse("inventory:create", kwargs={"org_slug": org.slug, "register": "payees"})
    values = {"name": "Müller GmbH", "destination": "overseas", "phone_on_record": "+49 30 1"}
    page = editor.post(
        url,
        {**values, "iban": "DE89 3704 0044 0532 0130 01", "bic": "COBA"},
        HTTP_ACCEPT_LANGUAGE="en",
    ).content.decode()
    assert "check digits do not match" in page and "8 or 11 letters" in page
    response = editor.post(
        url, {**values, "iban": "de89 3704 0044 0532 0130 00", "bic": "cobadeffxxx"}
    )
    assert response.status_code == 302
    payee = Payee.objects.get(organization=org)
    assert payee.iban == "DE89370400440532013000" and payee.bic == "COBADEFFXXX"


@pytest.mark.django_db
def test_generic_form_cannot_change_an_existing_account(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    payee = _payee(org)
    editor = client_as(members["editor"])
    _english(members["editor"])
    url = reverse(
        "inventory:edit", kwargs={"org_slug": org.slug, "register": "payees", "pk": payee.pk}
    )
    page = editor.post(url, {**DOMESTIC, "account_number": "7777777"})
    assert page.status_code == 200
    assert "changes only through a change request" in page.content.decode()
    payee.refresh_from_db()
    assert payee.account_number == "1234567"
    # Other details (the phone number on record) stay editable in the register.
    assert editor.post(url, {**DOMESTIC, "notes": "契約書で確認"}).status_code == 302


@pytest.mark.django_db
def test_edit_form_shows_the_account_read_only_and_masked(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    payee = _payee(org)
    editor = client_as(members["editor"])
    url = reverse(
        "inventory:edit", kwargs={"org_slug": org.slug, "register": "payees", "pk": payee.pk}
    )
    page = editor.get(url).content.decode()
    # The account is shown as text, masked as in the list, with the way to change it.
    assert 'name="account_number"' not in page and 'name="bank_code"' not in page
    assert "1234567" not in page and "****567" in page and "三井住友銀行" in page
    assert "口座を変更するには変更依頼を作成してください" in page
    assert _url("change_new", org, payee_pk=payee.pk) in page
    # The other details stay editable.
    assert 'name="phone_on_record"' in page and 'name="notes"' in page
    # Adding a payee still asks for the account.
    create = reverse("inventory:create", kwargs={"org_slug": org.slug, "register": "payees"})
    assert 'name="account_number"' in editor.get(create).content.decode()

    # The form as the browser sends it (no account fields) saves and keeps the account.
    form = {k: v for k, v in DOMESTIC.items() if k in ("name", "phone_on_record")}
    response = editor.post(url, {**form, "phone_on_record": "03-1111-3333"})
    assert response.status_code == 302
    payee.refresh_from_db()
    assert payee.phone_on_record == "03-1111-3333" and payee.account_number == "1234567"
    assert payee.account_verified

    # A crafted post with another account (or a cleared one) is still refused.
    for crafted in ({"account_number": "7777777"}, {"bank_code": "", "account_number": ""}):
        response = editor.post(url, {**form, **crafted, "notes": "改ざん"})
        assert response.status_code == 200
        assert "変更依頼" in response.content.decode()
        payee.refresh_from_db()
        assert payee.account_number == "1234567" and payee.bank_code == "0009"
        assert payee.notes == ""


# --- workflow ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_cannot_approve_without_callback_nor_as_requester(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    payee = _payee(org)
    editor, owner = client_as(members["editor"]), client_as(members["owner"])
    change = _request(editor, org, payee)
    assert change.requested_by == members["editor"]
    _checklist(editor, org, change)

    # No callback yet: the owner's approval is refused and says why.
    _english(members["owner"])
    response = owner.post(_url("approve", org, pk=change.pk))
    assert response.status_code == 302
    page = owner.get(_url("change", org, pk=change.pk)).content
    assert "No callback to the number on record" in page.decode()
    change.refresh_from_db()
    assert change.status == ChangeStatus.PENDING and not change.approvals.exists()

    # A callback that did not reach the partner does not count.
    _callback(editor, org, change, outcome="no_answer")
    owner.post(_url("approve", org, pk=change.pk))
    assert not change.approvals.exists()

    _callback(editor, org, change)
    callback = change.callbacks.get(outcome="confirmed")
    assert callback.number_called == "03-1111-2222"  # the number on record, not the request's
    assert callback.called_by == members["editor"]

    # The requester cannot approve their own request.
    editor.post(_url("approve", org, pk=change.pk))
    change.refresh_from_db()
    assert change.status == ChangeStatus.PENDING and not change.approvals.exists()

    owner.post(_url("approve", org, pk=change.pk))
    change.refresh_from_db()
    payee.refresh_from_db()
    assert change.status == ChangeStatus.APPROVED
    assert payee.account_number == "7654321" and payee.bank_code == "0010"
    assert payee.account_verified
    assert change.previous_account["account_number"] == "1234567"  # old account in history
    page = owner.get(_url("change", org, pk=change.pk)).content.decode()
    assert "Account before this change" in page and "三井住友銀行 ****567" in page
    actions = list(
        AuditEvent.objects.filter(organization_id=org.pk, object_id=str(payee.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions[-5:] == [
        "payees.change.requested",
        "payees.change.checklist_updated",
        "payees.change.callback_logged",
        "payees.change.callback_logged",
        "payees.change.approved",
    ]
    approved = AuditEvent.objects.get(action="payees.change.approved")
    assert "7654321" not in str(approved.changes) and "****321" in str(approved.changes)


@pytest.mark.django_db
def test_callback_to_an_old_number_does_not_count(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    payee = _payee(org)
    editor, owner = client_as(members["editor"]), client_as(members["owner"])
    change = _request(editor, org, payee)
    _checklist(editor, org, change)
    _callback(editor, org, change)
    # The number on record changed after the call: the call no longer confirms anything.
    Payee.objects.filter(pk=payee.pk).update(phone_on_record="03-9999-8888")
    owner.post(_url("approve", org, pk=change.pk))
    change.refresh_from_db()
    assert change.status == ChangeStatus.PENDING
    assert "callback" in change.blockers()


@pytest.mark.django_db
def test_checklist_is_required(org: Any, members: dict[str, Any], client_as: Any) -> None:
    payee = _payee(org)
    editor, owner = client_as(members["editor"]), client_as(members["owner"])
    change = _request(editor, org, payee)
    _callback(editor, org, change)
    owner.post(_url("approve", org, pk=change.pk))
    change.refresh_from_db()
    assert change.blockers() == ["checklist"] and change.status == ChangeStatus.PENDING


@pytest.mark.django_db
def test_overseas_needs_two_approvers(
    org: Any, members: dict[str, Any], client_as: Any, make_user: Any
) -> None:
    from mamori.orgs.models import Membership, Role

    second = make_user("second@example.jp")
    Membership.objects.create(organization=org, user=second, role=Role.EDITOR)
    payee = _payee(
        org,
        destination="overseas",
        iban="DE89370400440532013000",
        bic="COBADEFFXXX",
        bank_code="",
        branch_code="",
        account_number="",
        account_type="",
        holder_kana="",
    )
    editor, owner = client_as(members["editor"]), client_as(members["owner"])
    change = _request(
        editor,
        org,
        payee,
        destination="overseas",
        bank_name="Deutsche Bank",
        iban="DE02120300000000202051",
        bic="DEUTDEFF",
    )
    assert change.approvals_required == 2
    _checklist(editor, org, change)
    _callback(editor, org, change)
    owner.post(_url("approve", org, pk=change.pk))
    owner.post(_url("approve", org, pk=change.pk))  # the same person twice counts once
    change.refresh_from_db()
    assert change.status == ChangeStatus.PENDING and change.approvals.count() == 1
    payee.refresh_from_db()
    assert payee.iban == "DE89370400440532013000"
    client_as(second).post(_url("approve", org, pk=change.pk))
    change.refresh_from_db()
    payee.refresh_from_db()
    assert change.status == ChangeStatus.APPROVED and payee.iban == "DE02120300000000202051"


@pytest.mark.django_db
def test_reject_keeps_the_account_and_needs_sudo(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    payee = _payee(org)
    editor = client_as(members["editor"])
    change = _request(editor, org, payee)
    _callback(editor, org, change, outcome="denied")
    assert change.blockers()[0] == "denied"
    no_sudo = client_as(members["owner"], sudo=False)
    response = no_sudo.post(_url("reject", org, pk=change.pk), {"note": "偽の依頼"})
    assert response.status_code == 302 and "/sudo" in response["Location"]
    change.refresh_from_db()
    assert change.status == ChangeStatus.PENDING
    viewer = client_as(members["viewer"])
    assert viewer.post(_url("reject", org, pk=change.pk), {"note": "x"}).status_code == 403
    client_as(members["owner"]).post(_url("reject", org, pk=change.pk), {"note": "偽の依頼"})
    change.refresh_from_db()
    payee.refresh_from_db()
    assert change.status == ChangeStatus.REJECTED and change.decision_note == "偽の依頼"
    assert payee.account_number == "1234567"
    assert AuditEvent.objects.filter(action="payees.change.rejected").count() == 1


# --- masking -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_account_numbers_masked_for_viewers_and_shown_to_editors_after_sudo(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    payee = _payee(org)
    viewer = client_as(members["viewer"])
    lst = viewer.get(reverse("inventory:list", kwargs={"org_slug": org.slug, "register": "payees"}))
    assert "****567" in lst.content.decode() and "1234567" not in lst.content.decode()
    detail_url = reverse(
        "inventory:detail", kwargs={"org_slug": org.slug, "register": "payees", "pk": payee.pk}
    )
    page = viewer.get(detail_url + "?full=1").content.decode()
    assert "****567" in page and "1234567" not in page
    assert viewer.post(_url("reveal", org, pk=payee.pk)).status_code == 403
    # An editor without a fresh password confirmation is sent to confirm it.
    editor_no_sudo = client_as(members["editor"], sudo=False)
    assert "1234567" not in editor_no_sudo.get(detail_url + "?full=1").content.decode()
    assert "/sudo" in editor_no_sudo.post(_url("reveal", org, pk=payee.pk))["Location"]
    editor = client_as(members["editor"])
    response = editor.post(_url("reveal", org, pk=payee.pk))
    assert response.status_code == 302 and response["Location"].endswith("?full=1")
    assert "1234567" in editor.get(response["Location"]).content.decode()
    assert AuditEvent.objects.filter(
        action="payees.payee.account_revealed", actor_id=members["editor"].pk
    ).exists()


# --- finding and export ------------------------------------------------------------------


def _import(org: Any, rows: list[dict[str, str]]) -> None:
    from mamori.inventory import services, tabular
    from mamori.tabular import write_csv

    spec = REGISTERS["payees"]
    data = write_csv(tabular.schema_for("payees"), rows, lang="ja")
    plan = tabular.plan_import(org, spec, data, "payees.csv")
    assert plan.ok, [p.describe("en") for p in [*plan.preview.errors, *plan.problems]]
    services.apply_import(None, org, spec, plan, "payees.csv")


@pytest.mark.django_db(transaction=True)
def test_import_changing_an_account_is_a_finding_until_a_change_confirms_it(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    _import(org, [DOMESTIC])  # set-up by import: the baseline
    payee = Payee.objects.get(organization=org)
    assert payee.account_verified
    run_rules(org)
    assert not Finding.objects.filter(kind="payees.account_unchecked").exists()

    _import(org, [{**DOMESTIC, "account_number": "9999999"}])
    payee.refresh_from_db()
    assert payee.account_number == "9999999" and not payee.account_verified
    run_rules(org)
    finding = Finding.objects.get(kind="payees.account_unchecked", organization=org)
    assert finding.subject_id == str(payee.pk) and finding.status == "open"

    # The accounting export leaves the unchecked account out.
    owner = client_as(members["owner"])
    body = owner.post(_url("export", org), {"format": "csv"}).content.decode("utf-8-sig")
    assert "9999999" not in body

    # A change request with the callback, checklist and a second person confirms it.
    editor = client_as(members["editor"])
    change = _request(
        editor,
        org,
        payee,
        **{k: DOMESTIC[k] for k in ("bank_code", "branch_code", "bank_name", "branch_name")},
        account_number="9999999",
    )
    _checklist(editor, org, change)
    _callback(editor, org, change)
    owner.post(_url("approve", org, pk=change.pk))
    payee.refresh_from_db()
    assert payee.account_verified
    run_rules(org)
    finding.refresh_from_db()
    assert finding.status == "resolved"


@pytest.mark.django_db
def test_accounting_export_carries_approved_accounts_only_neutralised_and_sudo(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    from openpyxl import load_workbook

    payee = _payee(org, name='=HYPERLINK("http://evil.example","x")')
    editor = client_as(members["editor"])
    _request(editor, org, payee)  # pending: its new account must not be exported
    url = _url("export", org)
    assert client_as(members["viewer"]).post(url).status_code == 403
    assert "/sudo" in client_as(members["owner"], sudo=False).post(url)["Location"]
    owner = client_as(members["owner"])
    body = owner.post(url, {"format": "csv"}).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][0] in {"取引先", "Payee", "payee"} or len(rows[0]) == 11
    assert len(rows) == 2
    assert rows[1][0].startswith("'=")  # formula neutralised
    assert "1234567" in body and "7654321" not in body
    assert rows[1][2] == "0009"  # leading zeros kept
    xlsx = owner.post(url, {"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert len(values) == 2 and values[1][7] == "1234567"
    assert AuditEvent.objects.filter(action="payees.payee.accounting_exported").count() == 2


# --- demo --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_demo_danger_mail_change_is_blocked_until_callback_and_second_approver(
    client_as: Any,
) -> None:
    from mamori.core.demo import run

    ctx = run()
    change = PayeeChange.objects.get(organization=ctx.org, mail__verdict="danger")
    assert change.status == ChangeStatus.PENDING
    assert "callback" in change.blockers()
    owner = client_as(ctx.users["owner"])
    page = owner.get(_url("change", ctx.org, pk=change.pk))
    html = page.content.decode()
    assert "sev-critical" in html and "危険" in html
    assert "登録済みの電話番号への折り返し" in html
    owner.post(_url("approve", ctx.org, pk=change.pk))
    change.refresh_from_db()
    assert change.status == ChangeStatus.PENDING and not change.approvals.exists()
    index = owner.get(_url("index", ctx.org)).content.decode()
    assert "登録済みの電話番号への折り返し" in index
    # A viewer reads the request but gets no step to take.
    viewer_page = client_as(ctx.users["viewer"]).get(_url("change", ctx.org, pk=change.pk))
    assert viewer_page.status_code == 200
    assert _url("approve", ctx.org, pk=change.pk) not in viewer_page.content.decode()
    # The import-changed payee is a finding; the overseas change waits for its second approver.
    assert Finding.objects.filter(organization=ctx.org, kind="payees.account_unchecked").exists()
    abroad = PayeeChange.objects.get(organization=ctx.org, destination="overseas", status="pending")
    assert abroad.blockers() == [] and abroad.approvals.count() == 1


@pytest.mark.django_db
def test_register_export_full_for_editors_and_api_masked(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    from tests.test_api import token_client

    _payee(org)
    url = reverse("inventory:export", kwargs={"org_slug": org.slug, "register": "payees"})
    assert client_as(members["viewer"]).post(url, {"format": "csv"}).status_code == 403
    editor_csv = client_as(members["editor"]).post(url, {"format": "csv"}).content.decode()
    assert "1234567" in editor_csv  # an editor's export can be imported back unchanged
    api = token_client(client_as, members["viewer"])
    rows = api.get(f"/api/orgs/{org.slug}/inventory/payees").json()
    assert rows[0]["account_number"] == "****567"
    # The API has no password confirmation: editors read it masked as well.
    editor_api = token_client(client_as, members["editor"])
    editor_rows = editor_api.get(f"/api/orgs/{org.slug}/inventory/payees").json()
    assert editor_rows[0]["account_number"] == "****567"


@pytest.mark.django_db(transaction=True)
def test_import_with_malformed_codes_is_a_finding_in_both_languages(org: Any) -> None:
    from mamori.findings.presentation import present

    _import(org, [{**DOMESTIC, "bank_code": "12", "account_number": "123"}])
    payee = Payee.objects.get(organization=org)
    assert payee.account_verified  # set up by import: only the format is wrong
    run_rules(org)
    finding = Finding.objects.get(kind="payees.account_invalid", organization=org)
    assert finding.params["count"] == 2
    with translation.override("en"):
        facts = [f["text"] for f in present(finding, org.slug)["evidence"]]
        assert any("The bank code is 4 digits" in text for text in facts)
    with translation.override("ja"):
        facts = [f["text"] for f in present(finding, org.slug)["evidence"]]
        assert any("銀行コードは4桁" in text for text in facts)


# --- the pure checks never raise, whatever is typed ---------------------------------------


@given(st.text(max_size=60))
@example("O\u00a8")  # NFKC makes the diaeresis a space plus a combining mark
def test_checks_answer_every_input_without_raising(text: str) -> None:
    digits = banking.normalise_digits(text)
    assert banking.normalise_digits(digits) == digits
    code = banking.normalise_code(text)
    assert banking.iban_error(code) in {"", "shape", "length", "checksum"}
    assert banking.bic_error(code) in {"", "shape"}
    assert banking.check_digits(digits, 7) in {"", "digits"}


@given(st.from_regex(r"[0-9]{7}", fullmatch=True))
def test_a_changed_digit_breaks_the_iban_checksum(account: str) -> None:
    # A German IBAN built with correct check digits; changing one digit must be caught.
    bban = "37040044" + "000" + account
    check = 98 - int("".join(str(int(ch, 36)) for ch in bban + "DE00")) % 97
    iban = f"DE{check:02d}{bban}"
    assert banking.iban_error(iban) == ""
    wrong = iban[:-1] + str((int(iban[-1]) + 1) % 10)
    assert banking.iban_error(wrong) == "checksum"
