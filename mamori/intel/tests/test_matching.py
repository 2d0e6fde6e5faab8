from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mamori.intel.matching import InventoryItem, MatchIndex, match_advisory, suggest_cpe
from mamori.intel.merge import merge_advisories
from mamori.intel.model import Advisory, MatchCriterion, ProductName
from mamori.intel.parsers import parse_jvn_rdf, parse_kev, parse_nvd
from mamori.intel.tests import samples

STRUTS = "cpe:2.3:a:apache:struts:*:*:*:*:*:*:*:*"


def advisory(
    cve: str, *criteria: MatchCriterion, products: list[ProductName] | None = None
) -> Advisory:
    return Advisory(source="nvd", cve_ids=[cve], criteria=list(criteria), products=products or [])


def struts(version: str) -> str:
    return f"cpe:2.3:a:apache:struts:{version}:*:*:*:*:*:*:*"


@pytest.mark.parametrize(
    "bounds, version, affected",
    [
        ({"version_start_including": "2.0.0", "version_end_excluding": "2.5.33"}, "2.5.30", True),
        ({"version_start_including": "2.0.0", "version_end_excluding": "2.5.33"}, "2.5.33", False),
        ({"version_start_including": "2.0.0", "version_end_excluding": "2.5.33"}, "2.0.0", True),
        ({"version_start_including": "2.0.0", "version_end_excluding": "2.5.33"}, "1.9", False),
        ({"version_start_excluding": "2.0.0", "version_end_including": "2.5.33"}, "2.0.0", False),
        ({"version_start_excluding": "2.0.0", "version_end_including": "2.5.33"}, "2.5.33", True),
        ({"version_end_excluding": "2.5.33"}, "2.5.33-rc1", True),  # a pre-release of the fix
        ({"version_end_including": "2.5.30"}, "2.5.30.1", False),
        ({"version_end_excluding": "2.5.31"}, "2.5.30.1", True),
        ({"version_start_including": "8", "version_end_excluding": "8u311"}, "8u301", True),
        ({"version_start_including": "8", "version_end_excluding": "8u301"}, "8u301", False),
    ],
)
def test_range_bounds(bounds, version, affected):
    index = MatchIndex.build([advisory("CVE-2023-1", MatchCriterion(cpe23=STRUTS, **bounds))])
    matches = index.match(struts(version))
    assert bool(matches) is affected
    if affected:
        assert matches[0].confidence == "high" and matches[0].kind == "version_in_range"
        assert version in matches[0].reason["en"] and version in matches[0].reason["ja"]


def test_exact_prefix_and_all_versions():
    index = MatchIndex.build(
        [
            advisory("CVE-2023-1", MatchCriterion(cpe23=struts("2.5.30"))),
            advisory("CVE-2023-2", MatchCriterion(cpe23=struts("2.5.*"))),
            advisory("CVE-2023-3", MatchCriterion(cpe23=STRUTS)),
        ]
    )
    got = {m.advisory_id: (m.confidence, m.kind) for m in index.match(struts("2.5.30"))}
    assert got == {
        "CVE-2023-1": ("high", "version_exact"),
        "CVE-2023-2": ("high", "version_prefix"),
        "CVE-2023-3": ("medium", "all_versions"),
    }
    got = {m.advisory_id for m in index.match(struts("6.1.0"))}
    assert got == {"CVE-2023-3"}


def test_unknown_inventory_version_is_medium_and_says_so():
    index = MatchIndex.build(
        [advisory("CVE-2023-1", MatchCriterion(cpe23=STRUTS, version_end_excluding="2.5.33"))]
    )
    (match,) = index.match(struts("*"))
    assert match.confidence == "medium" and match.kind == "item_version_unknown"
    (match,) = index.match(struts("2.5.*"))
    assert match.kind == "item_version_unknown"


def test_other_cpe_attributes_must_agree_and_non_vulnerable_criteria_are_ignored():
    windows_only = "cpe:2.3:a:vendor:agent:*:*:*:*:*:windows:*:*"
    index = MatchIndex.build(
        [
            advisory("CVE-2023-1", MatchCriterion(cpe23=windows_only, version_end_excluding="3.0")),
            advisory(
                "CVE-2023-2",
                MatchCriterion(cpe23="cpe:2.3:a:vendor:agent:*:*:*:*:*:*:*:*", vulnerable=False),
            ),
        ]
    )
    assert [
        m.advisory_id for m in index.match("cpe:2.3:a:vendor:agent:2.0:*:*:*:*:windows:*:*")
    ] == ["CVE-2023-1"]
    assert index.match("cpe:2.3:a:vendor:agent:2.0:*:*:*:*:linux:*:*") == []
    assert [m.advisory_id for m in index.match("cpe:2.3:a:vendor:agent:2.0:*:*:*:*:*:*:*")] == [
        "CVE-2023-1"
    ]
    assert index.match("cpe:2.3:a:other:agent:2.0:*:*:*:*:*:*:*") == []


def test_name_fallback_only_for_advisories_without_cpe():
    kev_only = parse_kev(samples.kev_json()).advisories
    index = MatchIndex.build(kev_only)
    (match,) = index.match(struts("2.5.30"))
    assert match.advisory_id == "CVE-2023-50164"
    assert match.confidence == "low" and match.criterion is None and match.kind == "name_fallback"
    assert "Apache / Struts" in match.reason["ja"]
    widget = InventoryItem.from_names("w1", "Example Corp.", "Widget Server", "1.0")
    assert [m.advisory_id for m in index.match(widget)] == ["CVE-2099-0001"]
    assert index.match(InventoryItem.from_names("w2", "Other", "Widget", "1.0")) == []
    # once the advisory carries a CPE, the name no longer matters
    with_cpe = advisory(
        "CVE-2023-50164",
        MatchCriterion(cpe23=STRUTS, version_end_excluding="2.0"),
        products=[ProductName("Apache", "Struts")],
    )
    assert MatchIndex.build([with_cpe]).match(struts("2.5.30")) == []


def test_japanese_vendor_name_fallback_uses_the_full_product_name():
    jvn = Advisory(
        source="jvn",
        jvndb_id="JVNDB-2021-002774",
        products=[ProductName("トレンドマイクロ", "Trend Micro ServerProtect")],
    )
    item = InventoryItem("i1", "cpe:2.3:a:trendmicro:serverprotect:5.8:*:*:*:*:*:*:*")
    (match,) = MatchIndex.build([jvn]).match(item)
    assert match.item_id == "i1" and match.confidence == "low"
    assert [m.item_id for m in match_advisory(jvn, [item])] == ["i1"]


def test_done_when_struts_2_5_30_sees_jvn_and_nvd_references_and_kev_due_date():
    nvd = parse_nvd(samples.nvd_page([samples.nvd_record()])).advisories
    jvn = parse_jvn_rdf(samples.jvn_rdf()).advisories
    kev = parse_kev(samples.kev_json()).advisories
    merged = merge_advisories([*nvd, *jvn, *kev])
    struts_advisory = next(a for a in merged if "CVE-2023-50164" in a.cve_ids)
    assert struts_advisory.source == "nvd+jvn+kev"
    assert struts_advisory.jvndb_id == "JVNDB-2023-000777"
    # JVN's version-less Struts CPE gave way to NVD's exact ranges
    assert all(c.has_range for c in struts_advisory.criteria if ":apache:struts:" in c.cpe23)
    urls = {r.url for r in struts_advisory.references}
    assert "https://nvd.nist.gov/vuln/detail/CVE-2023-50164" in urls
    assert "https://jvn.jp/jp/JVN0000001/" in urls
    assert "https://jvndb.jvn.jp/ja/contents/2023/JVNDB-2023-000777.html" in urls
    index = MatchIndex.build(merged)
    item = InventoryItem(
        "sw-1", suggest_cpe("Apache Software Foundation", "Apache Struts", "2.5.30")
    )
    (match,) = [m for m in index.match(item) if m.advisory_id == struts_advisory.advisory_id]
    assert match.confidence == "high" and match.item_id == "sw-1"
    assert struts_advisory.kev.due_date.isoformat() == "2024-01-26"
    assert struts_advisory.best_cvss().score == 9.8
    fixed = InventoryItem("sw-2", suggest_cpe("Apache", "Struts", "2.5.33"))
    assert [m for m in index.match(fixed) if m.advisory_id == struts_advisory.advisory_id] == []


def test_merge_joins_groups_linked_by_a_later_advisory():
    a = Advisory(source="nvd", cve_ids=["CVE-2024-1"])
    b = Advisory(source="nvd", cve_ids=["CVE-2024-2"])
    jvn = Advisory(source="jvn", jvndb_id="JVNDB-2024-000001", cve_ids=["CVE-2024-1", "CVE-2024-2"])
    merged = merge_advisories([a, b, jvn])
    assert len(merged) == 1 and set(merged[0].cve_ids) == {"CVE-2024-1", "CVE-2024-2"}


versions = st.from_regex(r"[0-9]{1,2}(\.[0-9]{1,2}){0,2}", fullmatch=True)
products = st.sampled_from(["struts", "tomcat", "log4j"])


@st.composite
def criteria(draw):
    product = draw(products)
    kind = draw(st.sampled_from(["all", "exact", "range"]))
    cpe = f"cpe:2.3:a:apache:{product}:*:*:*:*:*:*:*:*"
    if kind == "exact":
        return MatchCriterion(
            cpe23=cpe.replace(":*:*:*:*:*:*:*:*", f":{draw(versions)}:*:*:*:*:*:*:*")
        )
    if kind == "all":
        return MatchCriterion(cpe23=cpe)
    return MatchCriterion(
        cpe23=cpe,
        version_start_including=draw(st.none() | versions),
        version_end_excluding=draw(st.none() | versions),
    )


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.lists(criteria(), min_size=1, max_size=3), min_size=1, max_size=6),
    st.lists(st.tuples(products, versions), min_size=1, max_size=6),
)
def test_index_and_incremental_paths_agree(advisory_criteria, inventory):
    advisories = [advisory(f"CVE-2024-{i:04d}", *crit) for i, crit in enumerate(advisory_criteria)]
    items = [
        InventoryItem(f"item-{i}", f"cpe:2.3:a:apache:{product}:{version}:*:*:*:*:*:*:*")
        for i, (product, version) in enumerate(inventory)
    ]
    index = MatchIndex.build(advisories)
    from_index = {(m.advisory_id, m.item_id, m.confidence) for m in index.match_all(items)}
    incremental = {
        (m.advisory_id, m.item_id, m.confidence)
        for a in advisories
        for m in match_advisory(a, items)
    }
    assert from_index == incremental


def test_re_adding_an_advisory_replaces_the_old_version():
    index = MatchIndex.build(
        [advisory("CVE-2023-1", MatchCriterion(cpe23=STRUTS, version_end_excluding="2.5.31"))]
    )
    assert [m.advisory_id for m in index.match(struts("2.5.30"))] == ["CVE-2023-1"]
    index.add(advisory("CVE-2023-1", MatchCriterion(cpe23=STRUTS, version_end_excluding="2.5.0")))
    assert index.match(struts("2.5.30")) == []
    assert [m.advisory_id for m in index.match(struts("2.4"))] == ["CVE-2023-1"]
    index.add(
        Advisory(source="kev", cve_ids=["CVE-2023-1"], products=[ProductName("Apache", "Struts")])
    )
    assert [m.kind for m in index.match(struts("2.4"))] == ["name_fallback"]
