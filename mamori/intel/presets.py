"""Feed presets an organisation can switch on or off (handbook §5.1: follow public bodies, OS
vendors and security companies; RSS puts them on one timeline).

Each URL is the RSS/RDF/Atom address the publisher lists on its own site; a publisher that moves
its feed shows up as a feed error on the feeds page, where the URL can be corrected.

Addresses last checked on 2026-12-06 (`CHECKED_ON`) against public sources (the publishers'
pages and other projects' feed lists, searched with the project's search tool), one comment per
preset saying what the check found. NISC became 内閣官房 国家サイバー統括室 (National
Cybersecurity Office, NCO) on 2025-07-01; its site moved to www.cyber.go.jp.
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


CHECKED_ON = "2026-12-06"

PRESETS: tuple[Preset, ...] = (
    # IPA: 重要なセキュリティ情報 (urgent advisories for widely used software). Checked: listed
    # by many feed readers at this address.
    Preset(
        "ipa_alert",
        "IPA 重要なセキュリティ情報",
        "https://www.ipa.go.jp/security/alert-rss.rdf",
        "public",
        default_on=True,
    ),
    # JPCERT/CC: 注意喚起 (alerts) and the Weekly Report. Checked: both addresses in use.
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
    # JVN iPedia: 新着 (new advisories, RSS 1.0 with the sec: namespace). Checked (also the
    # address go-cve-dictionary fetches).
    Preset(
        "jvn_new",
        "JVN iPedia 新着",
        "https://jvndb.jvn.jp/ja/rss/jvndb_new.rdf",
        "public",
        default_on=True,
    ),
    # JVN: vendor-coordinated advisories. Checked.
    Preset("jvn", "JVN 脆弱性レポート", "https://jvn.jp/rss/jvn.rdf", "public"),
    # 内閣官房 国家サイバー統括室 (NCO; NISC until 2025-06-30). The key stays "nisc" so that
    # organisations that switched it on keep it. Checked: the old "news/news.rdf" address
    # appears nowhere; NISC's RSS page listed "rss/nisc.rdf", which public feed lists still
    # use, and the old domain forwards to www.cyber.go.jp (the news list is
    # https://www.cyber.go.jp/news/list/index.html). No feed under www.cyber.go.jp itself
    # could be confirmed on the check date.
    Preset(
        "nisc",
        "内閣官房 国家サイバー統括室 新着情報",
        "https://www.nisc.go.jp/rss/nisc.rdf",
        "public",
        interval_minutes=360,
    ),
    # National Police Agency cyber police portal (@police). Not confirmed on the check date:
    # the portal moved under www.npa.go.jp/bureau/cyber/; correct the URL on the feeds page if
    # it reports an error.
    Preset(
        "npa",
        "警察庁 @police",
        "https://www.npa.go.jp/cyberpolice/rss/index.xml",
        "public",
        interval_minutes=360,
    ),
    # CISA: all.xml replaced the older advisory RSS in 2025. Checked.
    Preset(
        "cisa",
        "CISA Cybersecurity Advisories",
        "https://www.cisa.gov/cybersecurity-advisories/all.xml",
        "public",
        interval_minutes=180,
    ),
    # OS and software vendors. Checked: each address is in use in other projects' feed lists
    # (Cisco's old tools.cisco.com address
    # forwards to sec.cloudapps.cisco.com; Fortinet's fortiguard.com/rss/ir.xml forwards to
    # filestore.fortinet.com).
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
