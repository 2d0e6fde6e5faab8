from __future__ import annotations

import datetime as dt
import json

import pytest

from mamori.core.corpus import corpus_dir
from mamori.intel.parsers import parse_any, parse_jvn_rdf, parse_myjvn
from mamori.intel.tests import samples


@pytest.mark.parametrize(
    "namespace", ["http://jvn.jp/rss/mod_sec/", "http://jvn.jp/rss/mod_sec/3.0/"]
)
def test_jvn_rdf_keeps_repeated_sec_elements_in_both_namespaces(namespace):
    result = parse_jvn_rdf(samples.jvn_rdf(namespace))
    assert result.errors == []
    (advisory,) = result.advisories
    assert advisory.jvndb_id == "JVNDB-2023-000777"
    assert advisory.cve_ids == ["CVE-2023-50164"]
    assert advisory.title_ja == "Apache Struts における脆弱性" and advisory.title_en == ""
    assert [r.source for r in advisory.references] == ["CVE", "NVD", "JVN"]
    assert advisory.references[1].url == "https://nvd.nist.gov/vuln/detail/CVE-2023-50164"
    assert [c.cpe23 for c in advisory.criteria] == [
        "cpe:2.3:a:apache:struts:*:*:*:*:*:*:*:*",
        "cpe:2.3:a:example:bundled_struts:*:*:*:*:*:*:*:*",
    ]
    assert [p.product for p in advisory.products] == ["Apache Struts", "Bundled Struts"]
    assert [(c.version, c.score, c.severity) for c in advisory.cvss] == [
        ("3.0", 9.8, "CRITICAL"),
        ("2.0", 7.5, "HIGH"),
    ]
    assert advisory.best_cvss().version == "3.0"
    assert advisory.published == dt.datetime(2023, 12, 12, 1, 0, tzinfo=dt.UTC)
    assert advisory.modified == dt.datetime(2023, 12, 13, 2, 30, tzinfo=dt.UTC)


def test_unknown_sec_namespace_is_not_read_as_sec():
    result = parse_jvn_rdf(samples.jvn_rdf("http://example.org/other/"))
    (advisory,) = result.advisories  # the id still comes from the link
    assert advisory.jvndb_id == "JVNDB-2023-000777"
    assert advisory.criteria == [] and advisory.cvss == []


def test_jvn_rejects_entities_and_html():
    assert "entity" in parse_jvn_rdf(samples.BILLION_LAUGHS).errors[0]
    assert "HTML" in parse_jvn_rdf(samples.HTML_PAGE).errors[0]


def test_myjvn_json_feed_and_api_error():
    document = {
        "feed": {
            "lang": "ja",
            "entry": [
                {
                    "id": "JVNDB-2024-000010",
                    "title": "製品 X の脆弱性",
                    "summary": "概要",
                    "link": "https://jvndb.jvn.jp/ja/contents/2024/JVNDB-2024-000010.html",
                    "public": "2024-03-01T00:00:00+09:00",
                    "references": [
                        {
                            "url": "https://www.cve.org/x",
                            "summary": "CVE-2024-2222",
                            "source": "CVE",
                        }
                    ],
                    "products": [
                        {
                            "vname": "Vendor",
                            "pname": "X",
                            "product_ids": {"cpe": "cpe:2.3:a:vendor:x:1.2:*:*:*:*:*:*:*"},
                        }
                    ],
                    "metrics": [
                        {
                            "content": {
                                "cvss_v3": {
                                    "version": "3.1",
                                    "baseScore": 5.0,
                                    "baseSeverity": "MEDIUM",
                                }
                            }
                        }
                    ],
                }
            ],
        },
        "status": {"retCd": 1, "errMsg": "rate limited"},
    }
    result = parse_myjvn(json.dumps(document).encode())
    (advisory,) = result.advisories
    assert advisory.cve_ids == ["CVE-2024-2222"]
    assert advisory.criteria[0].cpe23 == "cpe:2.3:a:vendor:x:1.2:*:*:*:*:*:*:*"
    assert advisory.cvss[0].score == 5.0
    assert advisory.published == dt.datetime(2024, 2, 29, 15, 0, tzinfo=dt.UTC)
    assert result.errors == ["MyJVN API error 1: rate limited"]


def _myjvn_files():
    folder = corpus_dir("feeds", "myjvn_np_examples")
    if folder is None:
        pytest.skip("corpus folder feeds/myjvn_np_examples not present")
    return sorted(p for p in folder.rglob("*") if p.is_file())


def test_myjvn_corpus_both_forms_agree_on_the_same_advisory():
    files = {p.name: p for p in _myjvn_files()}
    xml = parse_myjvn(files["getVulnDetailInfo_hnd_JVNDB-2022-000097.xml"].read_bytes())
    csaf = parse_myjvn(files["getVulnDetailInfo_oka_JVNDB-2022-000097.json"].read_bytes())
    (a,), (b,) = xml.advisories, csaf.advisories
    assert a.jvndb_id == b.jvndb_id == "JVNDB-2022-000097"
    assert a.cve_ids == b.cve_ids == ["CVE-2022-41993", "CVE-2022-46287", "CVE-2022-46288"]
    assert a.title_ja == b.title_ja
    assert [c.cpe23 for c in a.criteria] == [c.cpe23 for c in b.criteria]
    assert a.published == b.published


def test_myjvn_corpus_never_raises_and_reports_broken_files():
    for path in _myjvn_files():
        result = parse_myjvn(path.read_bytes())
        assert isinstance(result.errors, list)
        if result.advisories:
            assert all(a.jvndb_id.startswith("JVNDB-") for a in result.advisories)
    broken = {p.name: p for p in _myjvn_files()}["dataFeed_jvndb_detail_oka.json"]
    assert "malformed JSON" in parse_myjvn(broken.read_bytes()).errors[0]


def test_myjvn_corpus_recovers_items_before_a_broken_status_attribute():
    path = {p.name: p for p in _myjvn_files()}["dataFeed_jvndb_rss_hnd.xml"]
    result = parse_any(path.read_bytes(), path.name)
    assert len(result.advisories) == 4
    assert result.errors and result.errors[0].startswith("recovered from malformed XML")


def test_jvn_rdf_corpus():
    folder = corpus_dir("feeds", "jvn_rdf")
    if folder is None:
        pytest.skip("corpus folder feeds/jvn_rdf not present")
    total = 0
    for path in sorted(folder.iterdir()):
        result = parse_jvn_rdf(path.read_bytes())
        assert result.errors == [], path.name
        for advisory in result.advisories:
            total += 1
            assert advisory.jvndb_id.startswith("JVNDB-")
            assert advisory.references and advisory.published is not None
    assert total >= 7


def test_myjvn_stix_bundle_carries_the_same_advisory_as_csaf():
    files = {p.name: p for p in _myjvn_files()}
    stix = parse_myjvn(files["getVulnDetailInfo_oka_JVNDB-2017-009608_jvnstix.json"].read_bytes())
    csaf = parse_myjvn(files["getVulnDetailInfo_oka_JVNDB-2017-009608.json"].read_bytes())
    assert stix.format == "myjvn-json-stix" and stix.errors == []
    (a,), (b,) = stix.advisories, csaf.advisories
    assert (a.jvndb_id, a.cve_ids, a.title_ja) == (b.jvndb_id, b.cve_ids, b.title_ja)
    assert [c.cpe23 for c in a.criteria] == [c.cpe23 for c in b.criteria]


def test_english_jvn_feed_fills_the_english_fields():
    data = samples.jvn_rdf().replace(b'xml:lang="ja"', b'xml:lang="en"')
    (advisory,) = parse_jvn_rdf(data).advisories
    assert advisory.title_en == "Apache Struts における脆弱性" and advisory.title_ja == ""
    assert advisory.summary_en and not advisory.summary_ja
