"""The privacy registers through the generic register pages: the form with its links, Excel
import by Japanese headers (a count column, contractors by name, supervision by supplier name),
export, and the rules re-run after an import."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from mamori.findings.models import Finding
from mamori.findings.tests.helpers import run_rule_jobs
from mamori.inventory.models import Person, Share, ShareScope, Supplier
from mamori.privacy.models import PersonalData, Supervision


def xlsx(rows: list[list[Any]], name: str) -> io.BytesIO:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    data.name = name
    return data


def imported(client: Any, org: Any, register: str, data: io.BytesIO) -> Any:
    url = f"/o/{org.slug}/inventory/{register}/import/"
    preview = client.post(url, {"file": data})
    assert preview.status_code == 200
    token = preview.context["token"]
    assert token, preview.context["problems"]
    return client.post(url, {"token": token})


@pytest.mark.django_db(transaction=True)
def test_editor_adds_personal_data_with_its_places_and_the_rule_runs(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    share = Share.objects.create(organization=org, name="健診フォルダ", scope=ShareScope.PUBLIC)
    owner = Person.objects.create(organization=org, name="総務 花子")
    editor = client_as(members["editor"])
    response = editor.post(
        f"/o/{org.slug}/inventory/personal-data/new/",
        {
            "name": "健康診断結果",
            "sensitive": "on",
            "people_count": "25",
            "purpose": "健康管理",
            "owner": owner.pk,
            "shares": [share.pk],
            "provision": "none",
            "provision_records_kept": "unknown",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    entry = PersonalData.objects.get(organization=org)
    assert list(entry.shares.all()) == [share] and entry.people_count == 25
    assert run_rule_jobs() >= 1  # the rules re-run in a job after the save
    finding = Finding.objects.get(organization=org, kind="privacy.sensitive_data_open_share")
    assert finding.status == "open" and finding.subject == "健康診断結果"
    bad = editor.post(
        f"/o/{org.slug}/inventory/personal-data/new/",
        {"name": "x", "people_count": "たくさん", "provision": "none"},
        HTTP_ACCEPT_LANGUAGE="ja",
    )
    assert bad.status_code == 200 and "整数を入力してください。" in bad.content.decode()


@pytest.mark.django_db(transaction=True)
def test_import_by_japanese_headers_then_export(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    Supplier.objects.create(organization=org, name="発送代行株式会社")
    editor = client_as(members["editor"])
    done = imported(
        editor,
        org,
        "personal-data",
        xlsx(
            [
                ["データの名称", "人数", "利用目的", "委託先", "保管期限"],
                ["顧客名簿", "1,200", "商品の発送", "発送代行株式会社", "2020-03-31"],
            ],
            "daicho.xlsx",
        ),
    )
    assert done.status_code == 302
    entry = PersonalData.objects.get(organization=org, name="顧客名簿")
    assert entry.people_count == 1200
    assert [s.name for s in entry.contractors.all()] == ["発送代行株式会社"]
    run_rule_jobs()
    kinds = set(Finding.objects.filter(organization=org).values_list("kind", flat=True))
    assert {"privacy.retention_passed", "privacy.data_without_purpose_or_owner"} <= kinds

    done = imported(
        editor,
        org,
        "supervision",
        xlsx(
            [["委託先", "個人データを預けている", "契約：当社による監査の権利"],
             ["発送代行株式会社", "はい", "はい"]],
            "kantoku.xlsx",
        ),
    )  # fmt: skip
    assert done.status_code == 302
    supervision = Supervision.objects.get(organization=org)
    assert supervision.entrusts_personal_data and supervision.clause_audit
    assert not supervision.clause_purpose
    run_rule_jobs()
    assert Finding.objects.filter(
        organization=org, kind="privacy.contract_clauses_missing", status="open"
    ).exists()

    owner = client_as(members["owner"])
    export = owner.post(f"/o/{org.slug}/inventory/personal-data/export/", {"format": "xlsx"})
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(export.content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header = rows[0]
    row = dict(zip(header, rows[1], strict=False))
    assert row["データの名称"] == "顧客名簿" and row["委託先"] == "発送代行株式会社"


@pytest.mark.django_db
def test_personal_data_over_the_api(org: Any, members: dict[str, Any], client_as: Any) -> None:
    from tests.test_api import token_client

    supplier = Supplier.objects.create(organization=org, name="発送代行株式会社")
    editor = token_client(client_as, members["editor"])
    url = f"/api/orgs/{org.slug}/inventory/personal-data"
    created = editor.post(
        url,
        data={
            "name": "会員名簿",
            "people_count": 320,
            "sensitive": False,
            "provision": "none",
            "contractors": [supplier.pk],
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    refused = editor.post(
        url, data={"name": "x", "provision": "sold"}, content_type="application/json"
    )
    assert refused.status_code == 400 and "provision" in refused.json()["errors"]
    listing = editor.get(url).json()
    assert [(r["name"], r["people_count"], r["contractors"]) for r in listing] == [
        ("会員名簿", 320, ["発送代行株式会社"])
    ]
    viewer = token_client(client_as, members["viewer"])
    assert viewer.post(url, data={"name": "y"}, content_type="application/json").status_code == 403
