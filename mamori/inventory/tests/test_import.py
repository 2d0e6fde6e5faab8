"""The issue's "done when": a new user imports their Excel list of staff and accounts, sees
「退職者のアカウントが残っています」 naming the people and services and what to do, assigns it,
disables the account, and watches the finding resolve on its own."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from openpyxl import Workbook

from mamori.audit.models import AuditEvent
from mamori.findings.models import Finding, Status
from mamori.findings.tests.helpers import run_rule_jobs
from mamori.inventory.models import Account, Person, Service


def xlsx(rows: list[list[Any]]) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    return data


def upload(client: Any, org: Any, register: str, data: io.BytesIO, name: str) -> Any:
    data.name = name
    return client.post(f"/o/{org.slug}/inventory/{register}/import/", {"file": data})


def confirm(client: Any, org: Any, register: str, preview: Any) -> Any:
    token = preview.context["token"]
    assert token
    return client.post(f"/o/{org.slug}/inventory/{register}/import/", {"token": token})


@pytest.mark.django_db(transaction=True)
def test_import_staff_and_accounts_then_leaver_finding_resolves(
    org: Any, members: dict[str, Any], client_as: Any, tmp_path: Any, settings: Any
) -> None:
    settings.DATA_DIR = tmp_path
    editor = client_as(members["editor"])
    Service.objects.create(organization=org, name="Google Workspace")
    staff = xlsx(
        [
            ["氏名", "メールアドレス", "部署", "雇用形態", "入社日", "退職日"],
            ["山田 太郎", "yamada@example.jp", "総務", "正社員", date(2019, 4, 1), None],
            [
                "伊藤 健",
                "ito@example.jp",
                "営業",
                "パート・アルバイト",
                "2021/10/1",
                "2024年3月31日",
            ],
        ]
    )
    preview = upload(editor, org, "people", staff, "社員名簿.xlsx")
    assert preview.status_code == 200
    assert preview.context["plan"].ok, preview.context["problems"]
    assert confirm(editor, org, "people", preview).status_code == 302
    ito = Person.objects.get(name="伊藤 健")
    assert ito.left_on == date(2024, 3, 31)
    assert ito.employment_type == "part_time"

    accounts = xlsx(
        [
            ["ユーザー名・ID", "人", "サービス", "役割", "多要素認証あり", "有効"],
            ["yamada", "山田 太郎", "Google Workspace", "管理者", "はい", "はい"],
            ["ito", "ito@example.jp", "Google Workspace", "一般利用者", "はい", "はい"],
        ]
    )
    preview = upload(editor, org, "accounts", accounts, "accounts.xlsx")
    assert preview.context["plan"].ok, preview.context["problems"]
    confirm(editor, org, "accounts", preview)
    assert AuditEvent.objects.filter(action="inventory.account.imported").exists()

    run_rule_jobs()  # the rules re-run in a job after the import
    finding = Finding.objects.get(organization=org, kind="inventory.leaver_access")
    page = editor.get(f"/o/{org.slug}/findings/{finding.pk}/").content.decode()
    assert "退職者のアカウントが残っています" in page
    assert "伊藤 健" in page and "ito @ Google Workspace" in page
    assert "今日中に無効化" in page  # what to do, from the guidance

    response = editor.post(
        f"/o/{org.slug}/findings/{finding.pk}/action/",
        {"owner": members["editor"].pk, "due_date": "2099-01-01", "status": "in_progress"},
    )
    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.action.owner == members["editor"]

    account = Account.objects.get(username="ito")
    editor.post(
        f"/o/{org.slug}/inventory/accounts/{account.pk}/edit/",
        {
            "username": "ito",
            "person": ito.pk,
            "service": account.service_id,
            "role": "user",
            "mfa_enabled": "true",
        },
    )
    run_rule_jobs()
    finding.refresh_from_db()
    assert finding.status == Status.RESOLVED


@pytest.mark.django_db
def test_bad_rows_are_listed_by_row_and_column_and_nothing_is_saved(
    org: Any, members: dict[str, Any], client_as: Any, tmp_path: Any, settings: Any
) -> None:
    settings.DATA_DIR = tmp_path
    editor = client_as(members["editor"])
    bad = xlsx(
        [
            ["氏名", "メールアドレス", "入社日"],
            ["良い 行", "ok@example.jp", "2020-04-01"],
            ["", "broken", "2020-02-30"],
            ["良い 行", "ok@example.jp", "2020-04-01"],
        ]
    )
    preview = upload(editor, org, "people", bad, "bad.xlsx")
    problems = " / ".join(preview.context["problems"])
    assert not preview.context["plan"].ok
    assert "3 行目" in problems and "「氏名」列" in problems
    assert "「入社日」列" in problems
    assert "4 行目" in problems  # the duplicate of row 2
    assert preview.context["token"] == ""
    assert not Person.objects.exists()


@pytest.mark.django_db
def test_unknown_reference_is_explained(
    org: Any, members: dict[str, Any], client_as: Any, tmp_path: Any, settings: Any
) -> None:
    settings.DATA_DIR = tmp_path
    editor = client_as(members["editor"])
    data = xlsx([["ユーザー名・ID", "人"], ["ghost", "存在しない人"]])
    preview = upload(editor, org, "accounts", data, "a.xlsx")
    problems = " ".join(preview.context["problems"])
    assert "存在しない人" in problems and "登録されていません" in problems
    assert not Account.objects.exists()


@pytest.mark.django_db
def test_export_neutralises_formulas_and_round_trips(
    org: Any, members: dict[str, Any], client_as: Any, tmp_path: Any, settings: Any
) -> None:
    from openpyxl import load_workbook

    settings.DATA_DIR = tmp_path
    Person.objects.create(organization=org, name='=HYPERLINK("http://evil","x")', department="+1")
    editor = client_as(members["editor"])
    response = editor.post(f"/o/{org.slug}/inventory/people/export/", {"format": "xlsx"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    values = [cell.value for row in book.active.iter_rows() for cell in row]
    assert all(not (isinstance(v, str) and v.startswith(("=", "+"))) for v in values)
    csv_response = editor.post(f"/o/{org.slug}/inventory/people/export/", {"format": "csv"})
    assert "'=HYPERLINK" in csv_response.content.decode("utf-8-sig")
    assert AuditEvent.objects.filter(action="inventory.person.exported").count() == 2
    # The exported file imports back without changes (matched to the same record).
    data = io.BytesIO(response.content)
    preview = upload(editor, org, "people", data, "export.xlsx")
    assert preview.context["plan"].ok, preview.context["problems"]
    assert len(preview.context["plan"].updates) == 1 and not preview.context["plan"].creates


@pytest.mark.django_db
def test_templates_download(org: Any, members: dict[str, Any], client_as: Any) -> None:
    viewer = client_as(members["viewer"])
    response = viewer.get(f"/o/{org.slug}/inventory/devices/template/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    csv_response = viewer.get(f"/o/{org.slug}/inventory/devices/template/?format=csv")
    assert "種類" in csv_response.content.decode("utf-8-sig")


@pytest.mark.django_db(transaction=True)
def test_sharing_report_creates_shares_and_flags_public_personal_data(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    from mamori.inventory.models import Share

    Person.objects.create(organization=org, name="佐藤", email="sato@example.jp")
    editor = client_as(members["editor"])
    report = (
        "File name,Owner,Shared with,Permission,Link sharing,URL\r\n"
        "顧客名簿.xlsx,sato@example.jp,sato@example.jp,Owner,Anyone with the link,https://drive.example/1\r\n"
        "顧客名簿.xlsx,sato@example.jp,partner@other.example,Can edit,Anyone with the link,https://drive.example/1\r\n"
        "議事録.docx,sato@example.jp,,,Restricted,https://drive.example/2\r\n"
    ).encode()
    data = io.BytesIO(report)
    data.name = "sharing.csv"
    response = editor.post(f"/o/{org.slug}/inventory/shares/sharing-report/", {"file": data})
    assert response.status_code == 302
    roster = Share.objects.get(url="https://drive.example/1")
    assert roster.scope == "anyone_with_link"
    assert roster.owner.name == "佐藤"
    grants = {(g.person.name if g.person else g.group, g.permission) for g in roster.grants.all()}
    assert grants == {("佐藤", "owner"), ("partner@other.example", "editor")}
    assert Share.objects.get(url="https://drive.example/2").scope == "private"
    # Marking it as personal data makes the public-share rule fire.
    roster.contains_personal_data = True
    roster.save()
    from mamori.findings.services import run_rules

    run_rules(org)
    assert Finding.objects.filter(kind="inventory.public_share_sensitive", status="open").exists()


@pytest.mark.django_db(transaction=True)
def test_japanese_staff_list_vocabulary_and_memo_columns(
    org: Any, members: dict[str, Any], client_as: Any, tmp_path: Any, settings: Any
) -> None:
    settings.DATA_DIR = tmp_path
    editor = client_as(members["editor"])
    staff = xlsx(
        [
            ["氏名", "所属部署", "雇用区分", "備考"],
            ["青木 一", "総務部", "パート", "火・木のみ"],
            ["井上 二", "営業部", "アルバイト", ""],
            ["上田 三", "経理部", "契約社員", "2025年度まで"],
            ["江藤 四", "経理部", "嘱託", ""],
            ["大野 五", "製造部", "派遣", ""],
            ["加藤 六", "IT", "業務委託", "保守会社から"],
        ]
    )
    preview = upload(editor, org, "people", staff, "名簿.xlsx")
    assert preview.context["plan"].ok, preview.context["problems"]
    assert confirm(editor, org, "people", preview).status_code == 302
    kinds = dict(Person.objects.values_list("name", "employment_type"))
    assert kinds == {
        "青木 一": "part_time",
        "井上 二": "part_time",
        "上田 三": "fixed_term",
        "江藤 四": "fixed_term",
        "大野 五": "dispatched",
        "加藤 六": "contractor",
    }
    assert Person.objects.get(name="青木 一").department == "総務部"
    assert Person.objects.get(name="加藤 六").notes == "保守会社から"
