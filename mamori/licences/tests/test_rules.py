"""Each published-material and shadow-IT rule fires on the record that breaks it and resolves
once the record is put right (handbook §9, §3.1)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from mamori.findings.models import Finding, Status
from mamori.findings.presentation import headline, present
from mamori.findings.services import run_rules
from mamori.inventory.models import Approval, Device, Ownership, Person, Service
from mamori.licences.models import Licence, Material, Release


def open_kinds(org: Any) -> set[str]:
    return set(
        Finding.objects.filter(organization=org, status=Status.OPEN).values_list("kind", flat=True)
    )


def finding(org: Any, kind: str) -> Finding:
    return Finding.objects.get(organization=org, kind=kind)


def material(org: Any, **fields: Any) -> Material:
    values: dict[str, Any] = {
        "name": "トップページの写真",
        "licence": Licence.OWN,
        "commercial_use": True,
    }
    values.update(fields)
    return Material.objects.create(organization=org, **values)


@pytest.mark.django_db
def test_lawful_materials_raise_nothing(org: Any) -> None:
    material(org, name="自社撮影の店舗写真")
    material(
        org, name="CC BY の地図", licence=Licence.CC_BY, attribution="地図：山田太郎 (CC BY 4.0)"
    )
    material(org, name="CC0 のアイコン", licence=Licence.CC0, modified=True)
    material(org, name="社員の集合写真", contains_person=True, model_release=Release.OBTAINED)
    material(
        org,
        name="ストック写真",
        licence=Licence.STOCK,
        licence_expires_on=timezone.localdate() + timedelta(days=30),
    )
    run_rules(org)
    assert not {k for k in open_kinds(org) if k.startswith("licences.")}


@pytest.mark.django_db
def test_nc_material_used_commercially_fires_and_resolves(org: Any) -> None:
    photo = material(
        org, name="会議の写真", licence=Licence.CC_BY_NC, attribution="写真：佐藤 (CC BY-NC)"
    )
    run_rules(org)
    found = finding(org, "licences.nc_commercial")
    assert found.status == Status.OPEN and found.subject == "会議の写真"
    assert found.subject_type == "licences.material" and found.subject_id == str(photo.pk)
    with timezone.override("Asia/Tokyo"):
        from django.utils import translation

        with translation.override("ja"):
            shown = present(found, org.slug)
            assert "非営利" in shown["title"]
            assert "CC BY-NC（表示・非営利）" in shown["summary"]
            assert shown["evidence"][0]["url"].endswith(f"/materials/{photo.pk}/")
        with translation.override("en"):
            assert headline(found, "en").startswith("Non-commercial material is used commercially")
    photo.commercial_use = False
    photo.save()
    run_rules(org)
    assert finding(org, "licences.nc_commercial").status == Status.RESOLVED


@pytest.mark.django_db
def test_nd_material_modified_fires_and_resolves(org: Any) -> None:
    logo = material(
        org, name="ロゴ素材", licence=Licence.CC_BY_ND, attribution="作：鈴木", modified=True
    )
    run_rules(org)
    assert "licences.nd_modified" in open_kinds(org)
    assert "licences.nc_commercial" not in open_kinds(org)  # ND alone allows commercial use
    logo.modified = False
    logo.save()
    run_rules(org)
    assert finding(org, "licences.nd_modified").status == Status.RESOLVED


@pytest.mark.django_db
def test_missing_attribution_fires_for_every_by_licence_only(org: Any) -> None:
    for licence in (Licence.CC_BY, Licence.CC_BY_SA, Licence.CC_BY_NC_ND):
        material(org, name=f"素材 {licence}", licence=licence, commercial_use=False)
    material(org, name="CC0 素材", licence=Licence.CC0)
    material(org, name="ストック素材", licence=Licence.STOCK)
    run_rules(org)
    subjects = set(
        Finding.objects.filter(
            organization=org, kind="licences.attribution_missing", status=Status.OPEN
        ).values_list("subject", flat=True)
    )
    assert subjects == {"素材 cc_by", "素材 cc_by_sa", "素材 cc_by_nc_nd"}
    Material.objects.filter(organization=org, licence=Licence.CC_BY).update(attribution="作：A")
    run_rules(org)
    assert (
        Finding.objects.filter(
            organization=org, kind="licences.attribution_missing", status=Status.OPEN
        ).count()
        == 2
    )


@pytest.mark.django_db
def test_person_without_model_release_fires_until_obtained(org: Any) -> None:
    photo = material(org, name="イベントの写真", contains_person=True)
    run_rules(org)
    assert "licences.model_release_missing" in open_kinds(org)
    photo.model_release = Release.NOT_OBTAINED
    photo.save()
    run_rules(org)
    assert "licences.model_release_missing" in open_kinds(org)
    photo.model_release = Release.OBTAINED
    photo.save()
    run_rules(org)
    assert finding(org, "licences.model_release_missing").status == Status.RESOLVED


@pytest.mark.django_db
def test_expired_licence_fires_and_renewal_resolves(org: Any) -> None:
    today = timezone.localdate()
    stock = material(
        org, name="有料の写真", licence=Licence.STOCK, licence_expires_on=today - timedelta(days=1)
    )
    run_rules(org)
    found = finding(org, "licences.licence_expired")
    assert found.params["expired_on"] == (today - timedelta(days=1)).isoformat()
    stock.licence_expires_on = today + timedelta(days=365)
    stock.save()
    run_rules(org)
    assert finding(org, "licences.licence_expired").status == Status.RESOLVED


@pytest.mark.django_db
def test_archived_material_is_not_checked(org: Any) -> None:
    material(org, licence=Licence.CC_BY_NC, attribution="x", archived_at=timezone.now())
    run_rules(org)
    assert "licences.nc_commercial" not in open_kinds(org)


@pytest.mark.django_db
def test_model_release_not_needed_is_refused_for_a_person(org: Any) -> None:
    from django.core.exceptions import ValidationError

    photo = Material(
        organization=org,
        name="人物写真",
        contains_person=True,
        model_release=Release.NOT_NEEDED,
    )
    with pytest.raises(ValidationError) as error:
        photo.full_clean()
    assert "model_release" in error.value.message_dict


@pytest.mark.django_db
def test_unapproved_service_with_company_data_fires_until_approved(org: Any) -> None:
    approved = Service.objects.create(
        organization=org, name="Microsoft 365", holds_personal_data=True
    )
    no_data = Service.objects.create(
        organization=org, name="天気アプリ", approval=Approval.NOT_APPROVED
    )
    line = Service.objects.create(
        organization=org,
        name="LINE（個人アカウント）",
        approval=Approval.NOT_APPROVED,
        holds_personal_data=True,
        holds_confidential_data=True,
    )
    run_rules(org)
    rows = Finding.objects.filter(
        organization=org, kind="shadowit.unapproved_service", status=Status.OPEN
    )
    assert [f.subject_id for f in rows] == [str(line.pk)]
    assert rows[0].params["data"] == "both"
    from django.utils import translation

    with translation.override("ja"):
        assert "個人情報と社外秘の情報" in present(rows[0])["summary"]
        assert "未承認" in present(rows[0])["summary"]
    line.approval = Approval.UNDER_REVIEW
    line.save()
    run_rules(org)
    assert "shadowit.unapproved_service" in open_kinds(org)
    line.approval = Approval.APPROVED
    line.save()
    run_rules(org)
    assert "shadowit.unapproved_service" not in open_kinds(org)
    assert approved.pk and no_data.pk


@pytest.mark.django_db
def test_byod_without_rules_fires_until_accepted(org: Any) -> None:
    person = Person.objects.create(organization=org, name="田中 花子")
    phone = Device.objects.create(
        organization=org,
        name="私物 iPhone",
        kind="smartphone",
        person=person,
        ownership=Ownership.BYOD,
    )
    Device.objects.create(organization=org, name="会社 PC", kind="pc", person=person)
    Device.objects.create(
        organization=org,
        name="処分済みの私物",
        kind="smartphone",
        ownership=Ownership.BYOD,
        disposed_on=timezone.localdate(),
    )
    run_rules(org)
    rows = Finding.objects.filter(
        organization=org, kind="shadowit.byod_without_rules", status=Status.OPEN
    )
    assert [f.subject for f in rows] == ["私物 iPhone"]
    assert rows[0].params["person"] == "田中 花子"
    phone.byod_rules_accepted_on = timezone.localdate()
    phone.save()
    run_rules(org)
    assert finding(org, "shadowit.byod_without_rules").status == Status.RESOLVED
