"""Feed presets an organisation can switch on or off (handbook §5.1: follow public bodies, OS
vendors and security companies; RSS puts them on one timeline).

Each URL is the RSS/RDF/Atom address the publisher lists on its own site (checked when this list
was written; a publisher that moves its feed shows up as a feed error on the feeds page, where
the URL can be corrected).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Preset:
    key: str
    name: str  # shown as is (publishers' own names)
    url: str
    group: str  # "public" (public bodies), "vendor"
    interval_minutes: int = 60
    default_on: bool = False


PRESETS: tuple[Preset, ...] = (
    # IPA: 重要なセキュリティ情報 (urgent advisories for widely used software).
    Preset(
        "ipa_alert",
        "IPA 重要なセキュリティ情報",
        "https://www.ipa.go.jp/security/alert-rss.rdf",
        "public",
        default_on=True,
    ),
    # JPCERT/CC: 注意喚起 (alerts) and the Weekly Report.
    Preset(
        "jpcert_alert",
        "JPCERT/CC 注意喚起",
        "https://www.jpcert.or.jp/rss/jpcert.rdf",
        "public",
        default_on=True,
    ),
    Preset(
        "jpcert_wr",
        "JPCERT/CC Weekly Report",
        "https://www.jpcert.or.jp/rss/jpcert-wr.rdf",
        "public",
        interval_minutes=360,
    ),
    # JVN iPedia: 新着 (new advisories, RSS 1.0 with the sec: namespace).
    Preset(
        "jvn_new",
        "JVN iPedia 新着",
        "https://jvndb.jvn.jp/ja/rss/jvndb_new.rdf",
        "public",
        default_on=True,
    ),
    # JVN: vendor-coordinated advisories.
    Preset("jvn", "JVN 脆弱性レポート", "https://jvn.jp/rss/jvn.rdf", "public"),
    # NISC: news of the National center of Incident readiness and Strategy for Cybersecurity.
    Preset(
        "nisc",
        "NISC 新着情報",
        "https://www.nisc.go.jp/news/news.rdf",
        "public",
        interval_minutes=360,
    ),
    # National Police Agency cyber police portal (@police).
    Preset(
        "npa",
        "警察庁 @police",
        "https://www.npa.go.jp/cyberpolice/rss/index.xml",
        "public",
        interval_minutes=360,
    ),
    Preset(
        "cisa",
        "CISA Cybersecurity Advisories",
        "https://www.cisa.gov/cybersecurity-advisories/all.xml",
        "public",
        interval_minutes=180,
    ),
    # OS and software vendors.
    Preset(
        "msrc",
        "Microsoft Security Update Guide",
        "https://api.msrc.microsoft.com/update-guide/rss",
        "vendor",
        interval_minutes=180,
    ),
    Preset(
        "chrome",
        "Google Chrome Releases",
        "https://chromereleases.googleblog.com/feeds/posts/default",
        "vendor",
        interval_minutes=180,
    ),
    Preset(
        "ubuntu",
        "Ubuntu Security Notices",
        "https://ubuntu.com/security/notices/rss.xml",
        "vendor",
        interval_minutes=180,
    ),
    Preset(
        "debian",
        "Debian Security Advisories",
        "https://www.debian.org/security/dsa",
        "vendor",
        interval_minutes=180,
    ),
    Preset(
        "cisco",
        "Cisco Security Advisories",
        "https://sec.cloudapps.cisco.com/security/center/psirtrss20/CiscoSecurityAdvisory.xml",
        "vendor",
        interval_minutes=180,
    ),
    Preset(
        "fortinet",
        "Fortinet PSIRT Advisories",
        "https://filestore.fortinet.com/fortiguard/rss/ir.xml",
        "vendor",
        interval_minutes=180,
    ),
)

PRESETS_BY_KEY: dict[str, Preset] = {preset.key: preset for preset in PRESETS}
