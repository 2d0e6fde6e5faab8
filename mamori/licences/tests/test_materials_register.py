"""The materials register through the generic register machinery: Japanese form with the CC
explanation, import of a hand-made Japanese list, export round trip, detail page conditions."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from mamori.findings.services import run_rules
from mamori.inventory import tabular
from mamori.inventory.registers import REGISTERS
from mamori.licences.models import Licence, Material


def _csv(text: str) -> bytes:
    return text.encode("utf-8-sig")


@pytest.mark.django_db
def test_import_a_japanese_list_of_materials(org: Any) -> None:
    spec = REGISTERS["materials"]
    schema = tabular.schema_for("materials")
    with translation.override("ja"):
        labels = {c.key: c.label_ja for c in schema.columns}
    header = ",".join(
        labels[k] for k in ("name", "licence", "attribution", "commercial_use", "used_in")
    )
    data = _csv(
        f"{header}\n"
        "トップ写真,CC BY-NC（表示・非営利）,写真：佐藤,はい,ウェブサイト\n"
        "ロゴ,自社で制作,,はい,ウェブサイト\n"
    )
    plan = tabular.plan_import(org, spec, data, "素材一覧.csv")
    assert plan.ok, [e.describe("ja") for e in plan.preview.errors]
    assert len(plan.creates) == 2
    from mamori.inventory.services import apply_import

    created, updated = apply_import(None, org, spec, plan, "素材一覧.csv")
    assert (created, updated) == (2, 0)
    top = Material.objects.get(organization=org, name="トップ写真")
    assert top.licence == Licence.CC_BY_NC and top.commercial_use
    run_rules(org)
    from mamori.findings.models import Finding

    assert Finding.objects.filter(
        organization=org, kind="licences.nc_commercial", subject_id=str(top.pk)
    ).exists()


@pytest.mark.django_db
def test_a_bad_licence_value_is_explained(org: Any) -> None:
    spec = REGISTERS["materials"]
    data = _csv("name,licence\n写真,たぶん自由\n")
    plan = tabular.plan_import(org, spec, data, "x.csv")
    assert not plan.ok
    text = " ".join(e.describe("ja") for e in plan.preview.errors)
    assert "2 行目" in text and "たぶん自由" in text


@pytest.mark.django_db
def test_form_explains_the_licences_and_detail_lists_conditions(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    editor = client_as(members["editor"])
    new = reverse("inventory:create", kwargs={"org_slug": org.slug, "register": "materials"})
    html = editor.get(new).content.decode()
    assert "フリー素材のライセンスの読み方" in html and "非営利" in html
    assert "Reading a free-material licence" not in html
    response = editor.post(
        new,
        {
            "name": "イベント写真",
            "kind": "photo",
            "licence": "cc_by_nd",
            "contains_person": "on",
            "model_release": "not_needed",
            "used_in": "sns",
            "commercial_use": "on",
        },
    )
    assert response.status_code == 200  # refused: a person needs consent
    assert "本人の許諾が必要です" in response.content.decode()
    response = editor.post(
        new,
        {
            "name": "イベント写真",
            "kind": "photo",
            "licence": "cc_by_nd",
            "contains_person": "on",
            "model_release": "obtained",
            "used_in": "sns",
            "commercial_use": "on",
        },
    )
    assert response.status_code == 302
    photo = Material.objects.get(organization=org, name="イベント写真")
    detail = editor.get(response["Location"]).content.decode()
    assert "このライセンスで守ること" in detail and "元のまま公開します" in detail
    assert photo.pk


@pytest.mark.django_db
def test_export_round_trips(org: Any, members: dict[str, Any], client_as: Any) -> None:
    Material.objects.create(
        organization=org, name='=HYPERLINK("http://x","y")', licence=Licence.CC0
    )
    editor = client_as(members["editor"])
    url = reverse("inventory:export", kwargs={"org_slug": org.slug, "register": "materials"})
    response = editor.post(url, {"format": "xlsx"})
    assert response.status_code == 200
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(response.content))
    values = [cell.value for row in book.active.iter_rows() for cell in row]
    assert all(not (isinstance(v, str) and v.startswith("=")) for v in values)
    plan = tabular.plan_import(org, REGISTERS["materials"], response.content, "export.xlsx")
    assert plan.ok and len(plan.updates) == 1 and not plan.creates


@pytest.mark.django_db
def test_materials_over_the_api(org: Any, members: dict[str, Any], client_as: Any) -> None:
    from tests.test_api import token_client

    editor = token_client(client_as, members["editor"])
    url = f"/api/orgs/{org.slug}/inventory/materials"
    created = editor.post(
        url,
        data={
            "name": "API の写真",
            "kind": "photo",
            "licence": "cc_by_nc",
            "used_in": "website",
            "commercial_use": True,
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    refused = editor.post(
        url,
        data={
            "name": "人物",
            "kind": "photo",
            "licence": "own",
            "used_in": "website",
            "contains_person": True,
            "model_release": "not_needed",
        },
        content_type="application/json",
    )
    assert refused.status_code == 400 and "model_release" in refused.json()["errors"]
    listing = editor.get(url).json()
    assert [m["name"] for m in listing] == ["API の写真"]
    assert listing[0]["licence"] == "cc_by_nc"
