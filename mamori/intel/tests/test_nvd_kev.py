from __future__ import annotations

import datetime as dt
import gzip
import json

import pytest

from mamori.core.corpus import corpus_dir
from mamori.intel.parsers import parse_any, parse_kev, parse_nvd
from mamori.intel.tests import samples


def test_nvd_page_record_fields():
    result = parse_nvd(samples.nvd_page([samples.nvd_record()]))
    assert result.errors == [] and result.format == "nvd"
    (advisory,) = result.advisories
    assert advisory.cve_ids == ["CVE-2023-50164"] and advisory.advisory_id == "CVE-2023-50164"
    assert advisory.summary_en.startswith("An attacker can manipulate")
    assert advisory.title_en == "An attacker can manipulate file upload params"
    assert advisory.published == dt.datetime(2023, 12, 7, 9, 15, 7, 110000, tzinfo=dt.UTC)
    assert [(c.version, c.score, c.severity) for c in advisory.cvss] == [
        ("3.1", 9.8, "CRITICAL"),
        ("2.0", 7.5, "HIGH"),  # v2 severity sits beside cvssData, not inside it
    ]
    assert [(c.version_start_including, c.version_end_excluding) for c in advisory.criteria] == [
        ("2.0.0", "2.5.33"),
        ("6.0.0", "6.3.0.2"),
    ]
    assert advisory.references[0].url == "https://lists.apache.org/thread/x"


def test_nvd_paging_facts():
    page = samples.nvd_page([samples.nvd_record()], start=0, total=3)
    assert parse_nvd(page).has_more is True
    assert parse_nvd(page).next_start_index == 1
    last = samples.nvd_page([samples.nvd_record()], start=2, total=3)
    assert parse_nvd(last).has_more is False
    assert parse_nvd(last).next_start_index is None


def test_nvd_escaped_bounds_negated_nodes_and_duplicates():
    matches = [
        {
            "vulnerable": True,
            "criteria": "cpe:2.3:a:cisco:ucm:*:*:*:*:*:*:*:*",
            "versionEndExcluding": "12.5\\(1\\)su8",
        },
        {
            "vulnerable": True,
            "criteria": "cpe:2.3:a:cisco:ucm:*:*:*:*:*:*:*:*",
            "versionEndExcluding": "12.5\\(1\\)su8",
        },
        {"vulnerable": False, "criteria": "cpe:2.3:o:cisco:ios:-:*:*:*:*:*:*:*"},
        {"vulnerable": True, "criteria": "not a cpe"},
    ]
    record = samples.nvd_record(matches=matches)
    record["configurations"].append(
        {
            "nodes": [
                {
                    "operator": "OR",
                    "negate": True,
                    "cpeMatch": [{"vulnerable": True, "criteria": "cpe:2.3:a:x:y:*:*:*:*:*:*:*:*"}],
                }
            ]
        }
    )
    (advisory,) = parse_nvd(json.dumps(record).encode()).advisories  # a bare record works too
    assert [(c.cpe23, c.vulnerable, c.version_end_excluding) for c in advisory.criteria] == [
        ("cpe:2.3:a:cisco:ucm:*:*:*:*:*:*:*:*", True, "12.5(1)su8"),
        ("cpe:2.3:o:cisco:ios:-:*:*:*:*:*:*:*", False, None),
    ]


def test_nvd_rejected_records_are_left_out_and_bad_records_counted():
    page = json.loads(
        samples.nvd_page(
            [samples.nvd_record(status="Rejected"), samples.nvd_record("CVE-2024-0002")]
        )
    )
    page["vulnerabilities"].append({"cve": {"id": "nonsense"}})
    page["vulnerabilities"].append("not even an object")
    result = parse_nvd(json.dumps(page).encode())
    assert [a.advisory_id for a in result.advisories] == ["CVE-2024-0002"]
    assert result.errors == ["2 record(s) without a usable CVE id were skipped"]


@pytest.mark.parametrize(
    "data, words",
    [
        (b"{", "malformed JSON"),
        (b"[1, 2]", "not an NVD"),
        (b'{"CVE_Items": []}', "1.1 feed"),
        (b"[" * 100_000 + b"]" * 100_000, "JSON"),
    ],
)
def test_nvd_bad_input(data, words):
    result = parse_nvd(data)
    assert result.advisories == [] and words in result.errors[0]


def test_kev_json_and_csv_agree():
    from_json = parse_kev(samples.kev_json())
    from_csv = parse_kev(samples.kev_csv())
    assert from_json.format == "kev-json" and from_csv.format == "kev-csv"
    for result in (from_json, from_csv):
        assert result.errors == []
        first, second = result.advisories
        assert first.cve_ids == ["CVE-2023-50164"] and first.is_kev
        assert first.kev.due_date == dt.date(2024, 1, 26)
        assert first.kev.date_added == dt.date(2024, 1, 5)
        assert first.kev.ransomware is True and second.kev.ransomware is None
        assert (first.products[0].vendor, first.products[0].product) == ("Apache", "Struts")
        assert [r.url for r in first.references] == [
            "https://struts.apache.org/announce",
            "https://nvd.nist.gov/vuln/detail/CVE-2023-50164",
        ]


def test_kev_wrong_csv():
    assert "columns" in parse_kev(b"a,b,c\n1,2,3\n").errors[0]


def test_parse_any_sniffs_every_format_and_gzip():
    page = samples.nvd_page([samples.nvd_record()])
    assert parse_any(page, "x.json").format == "nvd"
    assert parse_any(gzip.compress(page), "nvdcve-2.0-2023.json.gz").format == "nvd"
    assert parse_any(samples.kev_json(), "kev.json").format == "kev-json"
    assert parse_any(samples.kev_csv(), "kev.csv").format == "kev-csv"
    assert parse_any(samples.jvn_rdf(), "jvndb.rdf").format == "jvn-rdf"
    assert (
        parse_any(samples.jvn_rdf("http://jvn.jp/rss/mod_sec/3.0/"), "x.xml").format == "myjvn-rdf"
    )
    assert parse_any(b"hello", "x.txt").errors


def test_parse_any_refuses_a_gzip_bomb():
    bomb = gzip.compress(b"\0" * 5_000_000)
    result = parse_any(bomb, "x.gz", max_bytes=1_000_000)
    assert result.advisories == [] and "larger than" in result.errors[0]


def test_nvd_and_kev_corpus():
    nvd = corpus_dir("vulns", "nvd_cve_json_2.0")
    kev = corpus_dir("vulns", "cisa_kev")
    if nvd is None or kev is None:
        pytest.skip("corpus folders vulns/nvd_cve_json_2.0 and vulns/cisa_kev not present")
    with_criteria = 0
    for path in sorted(nvd.iterdir()):
        result = parse_any(path.read_bytes(), path.name)
        assert result.errors == [], path.name
        assert result.advisories, path.name
        for advisory in result.advisories:
            assert advisory.cve_ids[0].startswith("CVE-")
            with_criteria += bool(advisory.criteria)
            for criterion in advisory.criteria:
                assert criterion.cpe23.startswith("cpe:2.3:")
    assert with_criteria >= 10
    gz = next(nvd.glob("*.json.gz"))
    assert parse_any(gz.read_bytes(), gz.name).format == "nvd"
    json_result = parse_kev((kev / "known_exploited_vulnerabilities.json").read_bytes())
    csv_result = parse_kev((kev / "known_exploited_vulnerabilities.csv").read_bytes())
    assert len(json_result.advisories) == len(csv_result.advisories) > 1000
    by_cve = {a.cve_ids[0]: a for a in csv_result.advisories}
    for advisory in json_result.advisories:
        other = by_cve[advisory.cve_ids[0]]
        assert advisory.kev.due_date == other.kev.due_date
        assert advisory.kev.ransomware == other.kev.ransomware


def test_advisory_dict_round_trip_through_json():
    from mamori.intel.merge import merge_advisories
    from mamori.intel.model import advisory_from_dict, advisory_to_dict
    from mamori.intel.parsers import parse_jvn_rdf

    merged = merge_advisories(
        [
            *parse_nvd(samples.nvd_page([samples.nvd_record()])).advisories,
            *parse_jvn_rdf(samples.jvn_rdf()).advisories,
            *parse_kev(samples.kev_json()).advisories,
        ]
    )
    assert any(a.kev for a in merged) and any(a.criteria for a in merged)
    for advisory in merged:
        again = advisory_from_dict(json.loads(json.dumps(advisory_to_dict(advisory))))
        assert again == advisory


def test_nvd_and_configuration_records_platforms_and_the_reason_names_them():
    from mamori.intel.matching import MatchIndex

    record = samples.nvd_record(matches=[])
    record["configurations"] = [
        {
            "operator": "AND",
            "nodes": [
                {
                    "operator": "OR",
                    "cpeMatch": [
                        {
                            "vulnerable": True,
                            "criteria": "cpe:2.3:a:adobe:reader:*:*:*:*:*:*:*:*",
                            "versionEndExcluding": "11.0.5",
                        }
                    ],
                },
                {
                    "operator": "OR",
                    "cpeMatch": [
                        {"vulnerable": False, "criteria": "cpe:2.3:o:apple:macos:-:*:*:*:*:*:*:*"}
                    ],
                },
            ],
        }
    ]
    (advisory,) = parse_nvd(json.dumps(record).encode()).advisories
    vulnerable = [c for c in advisory.criteria if c.vulnerable]
    assert vulnerable[0].platforms == ["cpe:2.3:o:apple:macos:-:*:*:*:*:*:*:*"]
    (match,) = MatchIndex.build([advisory]).match("cpe:2.3:a:adobe:reader:11.0.4:*:*:*:*:*:*:*")
    assert (
        "apple:macos" in match.reason["ja"]
        and "only when used on apple:macos" in match.reason["en"]
    )
