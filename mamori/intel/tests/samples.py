"""Small fixtures written for these tests (the real-world corpus is read separately)."""

from __future__ import annotations

import json

RSS2 = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel>
<title>JPCERT/CC 注意喚起</title><link>https://www.jpcert.or.jp/</link>
<item><title>Apache Struts 2 の脆弱性 (CVE-2023-50164) に関する注意喚起</title>
<link>https://www.jpcert.or.jp/at/2023/at230030.html</link>
<guid isPermaLink="false">at230030</guid>
<description><![CDATA[<p>Apache Struts 2 に <b>脆弱性</b> があります &amp; JVNDB-2023-000123 参照</p>]]></description>
<pubDate>Mon, 11 Dec 2023 15:00:00 +0900</pubDate></item>
<item><title>No date item</title><guid>https://example.org/a</guid></item>
</channel></rss>""".encode()

RSS091 = b"""<?xml version="1.0" encoding="ISO-8859-1"?>
<rss version="0.91"><channel><title>Old \xe9t\xe9</title><link>http://example.org/</link>
<item><title>Caf\xe9 news</title><link>http://example.org/1</link>
<description>Plain text</description></item></channel></rss>"""

RDF = """<?xml version="1.0" encoding="UTF-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
 xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="https://www.ipa.go.jp/"><title>IPA 重要なセキュリティ情報</title>
<link>https://www.ipa.go.jp/</link></channel>
<item rdf:about="https://www.ipa.go.jp/security/alert1.html"><title>更新プログラムの公開について</title>
<link>https://www.ipa.go.jp/security/alert1.html</link><description>CVE-2024-0001 と cve-2024-12345</description>
<dc:date>2024-01-10T10:00+09:00</dc:date></item>
</rdf:RDF>""".encode()

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title type="text">Vendor blog</title>
<link rel="self" href="https://vendor.example/feed.atom"/><link rel="alternate" href="https://vendor.example/"/>
<entry><title>Security update</title><id>tag:vendor.example,2024:1</id>
<link rel="alternate" href="https://vendor.example/posts/1"/>
<updated>2024-02-01T12:00:00Z</updated><published>2024-02-01T09:30:00+01:00</published>
<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">Fixes <b>CVE-2024-1111</b>.</div></content>
</entry></feed>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<rss version="2.0"><channel><title>&lol3;</title></channel></rss>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>&xxe;</title></channel></rss>"""

HTML_PAGE = b"<!DOCTYPE html><html><head><title>Not found</title></head><body>404</body></html>"


def jvn_rdf(namespace: str = "http://jvn.jp/rss/mod_sec/") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"
 xmlns:sec="{namespace}" xml:lang="ja">
<channel rdf:about="https://jvndb.jvn.jp/ja/rss/jvndb_new.rdf"><title>JVNDB</title>
<link>https://jvndb.jvn.jp/</link></channel>
<item rdf:about="https://jvndb.jvn.jp/ja/contents/2023/JVNDB-2023-000777.html">
<title>Apache Struts における脆弱性</title>
<link>https://jvndb.jvn.jp/ja/contents/2023/JVNDB-2023-000777.html</link>
<description>Apache Struts にはファイルアップロードの脆弱性が存在します。</description>
<sec:identifier>JVNDB-2023-000777</sec:identifier>
<sec:references source="CVE" id="CVE-2023-50164">https://www.cve.org/CVERecord?id=CVE-2023-50164</sec:references>
<sec:references source="NVD" id="CVE-2023-50164">https://nvd.nist.gov/vuln/detail/CVE-2023-50164</sec:references>
<sec:references source="JVN" id="JVN#0000001">https://jvn.jp/jp/JVN0000001/</sec:references>
<sec:cpe version="2.2" vendor="Apache Software Foundation" product="Apache Struts">cpe:/a:apache:struts</sec:cpe>
<sec:cpe version="2.2" vendor="Example" product="Bundled Struts">cpe:/a:example:bundled_struts</sec:cpe>
<sec:cvss version="3.0" score="9.8" type="Base" severity="Critical" vector="CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"/>
<sec:cvss version="2.0" score="7.5" type="Base" severity="High" vector="AV:N/AC:L/Au:N/C:P/I:P/A:P"/>
<dc:date>2023-12-12T10:00+09:00</dc:date>
<dcterms:issued>2023-12-12T10:00+09:00</dcterms:issued>
<dcterms:modified>2023-12-13T11:30+09:00</dcterms:modified>
</item></rdf:RDF>""".encode()


def nvd_record(
    cve: str = "CVE-2023-50164",
    matches: list[dict] | None = None,
    status: str = "Analyzed",
) -> dict:
    if matches is None:
        matches = [
            {
                "vulnerable": True,
                "criteria": "cpe:2.3:a:apache:struts:*:*:*:*:*:*:*:*",
                "versionStartIncluding": "2.0.0",
                "versionEndExcluding": "2.5.33",
            },
            {
                "vulnerable": True,
                "criteria": "cpe:2.3:a:apache:struts:*:*:*:*:*:*:*:*",
                "versionStartIncluding": "6.0.0",
                "versionEndExcluding": "6.3.0.2",
            },
        ]
    return {
        "id": cve,
        "vulnStatus": status,
        "published": "2023-12-07T09:15:07.110",
        "lastModified": "2024-01-10T10:00:00.000",
        "descriptions": [
            {"lang": "en", "value": "An attacker can manipulate file upload params. More text."},
            {"lang": "es", "value": "Un atacante puede ..."},
        ],
        "metrics": {
            "cvssMetricV31": [
                {
                    "source": "nvd@nist.gov",
                    "type": "Primary",
                    "cvssData": {
                        "version": "3.1",
                        "vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                        "baseScore": 9.8,
                        "baseSeverity": "CRITICAL",
                    },
                }
            ],
            "cvssMetricV2": [
                {
                    "source": "nvd@nist.gov",
                    "type": "Primary",
                    "cvssData": {"version": "2.0", "vectorString": "AV:N", "baseScore": 7.5},
                    "baseSeverity": "HIGH",
                }
            ],
        },
        "references": [
            {
                "url": "https://lists.apache.org/thread/x",
                "source": "apache",
                "tags": ["Mailing List"],
            }
        ],
        "configurations": [{"nodes": [{"operator": "OR", "negate": False, "cpeMatch": matches}]}],
    }


def nvd_page(records: list[dict], start: int = 0, total: int | None = None) -> bytes:
    return json.dumps(
        {
            "resultsPerPage": len(records),
            "startIndex": start,
            "totalResults": len(records) if total is None else total,
            "format": "NVD_CVE",
            "version": "2.0",
            "vulnerabilities": [{"cve": record} for record in records],
        }
    ).encode()


KEV_ROWS = [
    {
        "cveID": "CVE-2023-50164",
        "vendorProject": "Apache",
        "product": "Struts",
        "vulnerabilityName": "Apache Struts Path Traversal Vulnerability",
        "dateAdded": "2024-01-05",
        "shortDescription": "Apache Struts contains a path traversal vulnerability.",
        "requiredAction": "Apply mitigations per vendor instructions.",
        "dueDate": "2024-01-26",
        "knownRansomwareCampaignUse": "Known",
        "notes": "https://struts.apache.org/announce ; https://nvd.nist.gov/vuln/detail/CVE-2023-50164",
        "cwes": ["CWE-22"],
    },
    {
        "cveID": "CVE-2099-0001",
        "vendorProject": "Example Corp",
        "product": "Widget Server",
        "vulnerabilityName": "Widget Server RCE",
        "dateAdded": "2099-01-01",
        "shortDescription": "x",
        "requiredAction": "Patch.",
        "dueDate": "2099-01-22",
        "knownRansomwareCampaignUse": "Unknown",
        "notes": "",
        "cwes": [],
    },
]


def kev_json() -> bytes:
    return json.dumps({"title": "KEV", "catalogVersion": "1", "vulnerabilities": KEV_ROWS}).encode()


def kev_csv() -> bytes:
    import csv
    import io

    out = io.StringIO()
    columns = list(KEV_ROWS[0])
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    for row in KEV_ROWS:
        writer.writerow({**row, "cwes": ", ".join(row["cwes"])})
    return out.getvalue().encode()
