"""`mamori demo` part for intel: presets switched on, a few advisories and news items written for
the demo (not copied from any feed), and a re-match so the Apache Struts 2.5.30 in the demo
inventory shows a vulnerable-software finding."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from mamori.intel.model import Advisory as AdvisoryData
from mamori.intel.model import Cvss, KevInfo, MatchCriterion, ProductName, Reference

STRUTS_CVE = "CVE-2023-50164"


def demo_advisories() -> list[AdvisoryData]:
    struts_nvd = AdvisoryData(
        source="nvd",
        cve_ids=[STRUTS_CVE],
        title_en="Apache Struts: file upload parameters can be manipulated (path traversal)",
        summary_en=(
            "Demo text: upload parameters can be altered so that a file is written outside the "
            "intended folder, which can lead to remote code execution. Fixed in 2.5.33 and "
            "6.3.0.2."
        ),
        cvss=[Cvss("3.1", 9.8, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "CRITICAL")],
        criteria=[
            MatchCriterion(
                "cpe:2.3:a:apache:struts:*:*:*:*:*:*:*:*",
                version_start_including="2.0.0",
                version_end_excluding="2.5.33",
            ),
            MatchCriterion(
                "cpe:2.3:a:apache:struts:*:*:*:*:*:*:*:*",
                version_start_including="6.0.0",
                version_end_excluding="6.3.0.2",
            ),
        ],
        published=dt.datetime(2023, 12, 7, 9, 15, tzinfo=dt.UTC),
        modified=dt.datetime(2024, 1, 10, tzinfo=dt.UTC),
        link=f"https://nvd.nist.gov/vuln/detail/{STRUTS_CVE}",
        references=[Reference("https://struts.apache.org/", "Apache Struts", "nvd")],
    )
    struts_jvn = AdvisoryData(
        source="jvn",
        cve_ids=[STRUTS_CVE],
        jvndb_id="JVNDB-2023-000000",
        title_ja="（デモ）Apache Struts のファイルアップロード処理における脆弱性",
        summary_ja=(
            "デモ用の説明です。アップロードの引数を細工されると、意図しない場所にファイルを"
            "書き込まれ、任意のコードを実行されるおそれがあります。"
        ),
        criteria=[MatchCriterion("cpe:2.3:a:apache:struts:*:*:*:*:*:*:*:*")],
        published=dt.datetime(2023, 12, 12, 1, 0, tzinfo=dt.UTC),
        link="https://jvndb.jvn.jp/",
        references=[Reference(f"https://nvd.nist.gov/vuln/detail/{STRUTS_CVE}", STRUTS_CVE, "NVD")],
    )
    wordpress = AdvisoryData(
        source="nvd",
        cve_ids=["CVE-2099-10001"],
        title_en="Demo: WordPress before 6.4.3 lets contributors store script in posts",
        summary_en="Demo advisory for the timeline and search pages.",
        cvss=[Cvss("3.1", 5.4, "CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N", "MEDIUM")],
        criteria=[
            MatchCriterion(
                "cpe:2.3:a:wordpress:wordpress:*:*:*:*:*:*:*:*",
                version_end_excluding="6.4.3",
            )
        ],
        published=timezone.now() - dt.timedelta(days=3),
        link="https://nvd.nist.gov/",
    )
    vpn = AdvisoryData(
        source="kev",
        cve_ids=["CVE-2099-10002"],
        title_en="Demo: VPN gateway authentication bypass (exploited)",
        products=[ProductName("Example Networks", "SecureGate VPN")],
        kev=KevInfo(
            date_added=timezone.localdate() - dt.timedelta(days=2),
            due_date=timezone.localdate() + dt.timedelta(days=19),
            ransomware=True,
            required_action="Apply the vendor's update or disconnect the device.",
        ),
        published=timezone.now() - dt.timedelta(days=2),
        link="https://www.cisa.gov/known-exploited-vulnerabilities-catalog",
    )
    return [struts_nvd, struts_jvn, wordpress, vpn]


def _news(now: dt.datetime) -> list[tuple[str, str, str, dt.datetime, str]]:
    """(preset key, title, link, published, ids) — demo items written for mamori."""
    hour = dt.timedelta(hours=1)
    return [
        (
            "jpcert_alert",
            "（デモ）Apache Struts 2 の脆弱性に関する注意喚起",
            "https://www.jpcert.or.jp/at/demo-struts.html",
            now - 5 * hour,
            STRUTS_CVE,
        ),
        (
            "ipa_alert",
            "（デモ）Apache Struts 2 の脆弱性対策について",
            "https://www.ipa.go.jp/security/demo-struts.html",
            now - 4 * hour,
            STRUTS_CVE,
        ),
        (
            "jvn_new",
            "（デモ）JVNDB-2023-000000 Apache Struts における脆弱性",
            "https://jvndb.jvn.jp/ja/contents/demo.html",
            now - 3 * hour,
            f"JVNDB-2023-000000 {STRUTS_CVE}",
        ),
        (
            "jpcert_alert",
            "（デモ）VPN 機器の認証回避の脆弱性について",
            "https://www.jpcert.or.jp/at/demo-vpn.html",
            now - 26 * hour,
            "CVE-2099-10002",
        ),
        (
            "ipa_alert",
            "（デモ）月例のセキュリティ更新プログラムの公開",
            "https://www.ipa.go.jp/security/demo-monthly.html",
            now - 50 * hour,
            "",
        ),
    ]


def build(ctx: Any) -> None:
    from mamori.intel.surge import normalise_link, normalise_title

    from .models import FeedItem, Watch
    from .monitoring import after_new_items
    from .services import set_preset
    from .store import import_advisories
    from .vulnmatch import rematch

    org = ctx.org
    import_advisories(demo_advisories())
    feeds = {key: set_preset(org, key, True) for key in ("ipa_alert", "jpcert_alert", "jvn_new")}
    now = timezone.now()
    created = []
    for key, title, link, published, ids in _news(now):
        row = FeedItem.objects.create(
            organization=org,
            feed=feeds[key],
            guid=link,
            title=title,
            link=link,
            published=published,
            ids=ids,
            link_key=normalise_link(link),
            title_key=normalise_title(title)[:300],
        )
        created.append(row.pk)
    Watch.objects.create(organization=org, keyword="VPN")
    rematch(org)
    after_new_items(org, created)  # the keyword watch and the surge raise their findings
    ctx.notes.append("intel: 3 feeds on, 4 demo advisories, Apache Struts 2.5.30 matched")
