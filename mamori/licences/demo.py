"""Demo data: published materials (one NC photo on the company website — a finding) and a
sample Microsoft 365 sign-in report that shows services the register does not know (shadow IT)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from django.utils import timezone

from mamori.findings.services import run_rules
from mamori.inventory.models import Approval

from . import services
from .models import DiscoveredApp, Licence, Material, MaterialKind, Release, UsedIn
from .signin_reports import read_signin_report

SAMPLES = Path(__file__).resolve().parent / "samples"


def build(ctx: Any) -> None:
    org = ctx.org
    today = timezone.localdate()

    def material(name: str, **fields: Any) -> Material:
        return Material.objects.create(organization=org, name=name, **fields)

    material(
        "トップページのメイン写真（打ち合わせ風景）",
        kind=MaterialKind.PHOTO,
        source_url="https://photos.example.org/meeting-1024",
        author="K. Tanaka",
        licence=Licence.CC_BY_NC,
        attribution="Photo: K. Tanaka (CC BY-NC 4.0)",
        used_in=UsedIn.WEBSITE,
        used_at="https://www.demo.example.jp/",
        commercial_use=True,
    )
    material(
        "会社案内チラシの地図イラスト",
        kind=MaterialKind.ILLUSTRATION,
        source_url="https://illust.example.net/map-tokyo",
        author="山本 絵美",
        licence=Licence.CC_BY,
        attribution="イラスト：山本 絵美（CC BY 4.0）",
        used_in=UsedIn.FLYER,
        used_at="会社案内チラシ 2026年版",
        modified=True,
    )
    material(
        "採用ページの社員写真",
        kind=MaterialKind.PHOTO,
        licence=Licence.OWN,
        contains_person=True,
        model_release=Release.OBTAINED,
        used_in=UsedIn.WEBSITE,
        used_at="https://www.demo.example.jp/recruit/",
    )
    material(
        "イベント報告の集合写真",
        kind=MaterialKind.PHOTO,
        licence=Licence.OWN,
        contains_person=True,
        used_in=UsedIn.SNS,
        used_at="公式 X の投稿（11月の展示会）",
    )
    material(
        "商品紹介スライドの背景写真",
        kind=MaterialKind.PHOTO,
        source_url="https://stock.example.com/photo/881234",
        author="Stock Example Inc.",
        licence=Licence.STOCK,
        property_release=Release.OBTAINED,
        used_in=UsedIn.SLIDES,
        used_at="商品紹介スライド",
        licence_expires_on=today + timedelta(days=200),
    )

    # A month of Microsoft 365 sign-ins, as the Entra admin centre exports them.
    sample = SAMPLES / "entra_signins.csv"
    report = read_signin_report(sample.read_bytes(), sample.name)
    services.import_signin_report(None, org, report, sample.name)
    dropbox = DiscoveredApp.objects.filter(organization=org, name="Dropbox").first()
    if dropbox is not None:
        # Staff share customer files through personal Dropbox accounts: not approved.
        services.add_to_register(None, org, dropbox, Approval.NOT_APPROVED, personal_data=True)
    run_rules(org)
    ctx.notes.append(
        "licences: an NC photo on the company site and a photo without model release are"
        " findings; shadow IT: Dropbox not approved (finding), Canva and freee会計 to review"
    )
