"""Version ordering by ecosystem: the univers/packaging vectors and the named misses of issue 13."""

from __future__ import annotations

import pytest

from mamori.core.corpus import corpus_dir
from mamori.intel import conformance
from mamori.intel.matching import MatchIndex
from mamori.intel.matching.schemes import compare, scheme_for
from mamori.intel.matching.versions import compare_versions
from mamori.intel.model import Advisory, MatchCriterion

UNIVERS = corpus_dir("conformance", "univers")
PACKAGING = corpus_dir("conformance", "packaging")


@pytest.mark.skipif(
    UNIVERS is None or PACKAGING is None,
    reason="version vectors not present (../shared/corpus/conformance/univers, packaging)",
)
def test_univers_and_packaging_vectors_meet_the_goal_where_the_scheme_applies():
    reports = conformance.run_versions(UNIVERS, PACKAGING)
    for label in conformance.VERSION_SCHEMES_GATED:
        report = reports[label]
        assert report.total >= 10, label
        failures = [o.expect for o in report.failures()]
        assert report.ratio >= conformance.VERSION_GOAL, (label, failures[:10])


@pytest.mark.parametrize(
    "scheme, older, newer",
    [
        ("debian", "1.0~rc1", "1.0"),
        ("debian", "1.0~~", "1.0~"),
        ("debian", "5.0", "1:0.5"),
        ("debian", "2.30-1", "2.30-1+deb12u1"),
        ("pep440", "2.0", "1!1.0"),
        ("pep440", "1.0", "1.0+local.1"),
        ("pep440", "1.0rc1", "1.0"),
        ("pep440", "1.0", "1.0.post1"),
        ("maven", "1.0-alpha-1", "1.0-beta-1"),
        ("maven", "1.0-beta-1", "1.0-SNAPSHOT"),
        ("maven", "1.0-m2", "1.0-rc1"),
        ("maven", "1.0-SNAPSHOT", "1.0"),
        ("maven", "1.0", "1.0-sp1"),
        ("rpm", "1.0~rc1", "1.0"),
        ("rpm", "1.0", "1.0^20160101"),
        ("rpm", "1.0^20160101", "1.0.1"),
        ("rpm", "6.0", "6.0.rc1"),
        ("semver", "1.0.0-alpha", "1.0.0-alpha.1"),
        ("semver", "1.0.0-rc.1", "1.0.0"),
        ("nuget", "1.0.0-beta", "1.0.0"),
    ],
)
def test_scheme_orderings(scheme, older, newer):
    assert compare(scheme, older, newer) == -1
    assert compare(scheme, newer, older) == 1


@pytest.mark.parametrize(
    "scheme, a, b",
    [
        ("semver", "1.0.0+build.5", "1.0.0+other"),
        ("maven", "1.0", "1.0-ga"),
        ("maven", "1.0.final", "1"),
        ("nuget", "1.0+test", "1.0.0.0"),
    ],
)
def test_scheme_equalities(scheme, a, b):
    assert compare(scheme, a, b) == 0


@pytest.mark.parametrize(
    "older, newer",
    [
        # the generic key: Debian epochs and "~", build metadata, and the vendor forms
        ("5.0", "1:0.5"),
        ("1.0~1", "1.0"),
        ("10.0.19044.3803", "10.0.19045.3803"),
        ("V3.0.9", "V3.1.0"),
        ("2023 R1", "2023 R2"),
        ("8u291", "8u301"),
        ("12.5(1)SU7", "12.5(1)SU8"),
        ("1.0.2j", "1.0.2k"),
        ("1.0.2k", "1.0.3"),
        ("3.12.0a1", "3.12.0"),
    ],
)
def test_generic_key_keeps_vendor_forms(older, newer):
    assert compare_versions(older, newer) == -1


def test_semver_build_metadata_is_ignored_by_the_generic_key():
    assert compare_versions("1.2.3+build.7", "1.2.3") == 0


@pytest.mark.parametrize(
    "kwargs, scheme",
    [
        ({"target_sw": "python"}, "pep440"),
        ({"target_sw": "node.js"}, "semver"),
        ({"vendor": "apache", "product": "log4j"}, "maven"),
        ({"version": "1:2.3-4"}, "debian"),
        ({"version": "2.17.1-1ubuntu1"}, "debian"),
        ({"version": "1.2.3-4.el8"}, "rpm"),
        ({"version": "10.0.19045"}, ""),
    ],
)
def test_scheme_from_what_is_known(kwargs, scheme):
    assert scheme_for(**kwargs) == scheme


def _advisory(cpe: str, **bounds: str) -> Advisory:
    return Advisory(
        source="nvd", cve_ids=["CVE-2024-0001"], criteria=[MatchCriterion(cpe23=cpe, **bounds)]
    )


def test_matching_uses_pep440_epochs_for_python_packages():
    index = MatchIndex.build(
        [
            _advisory(
                "cpe:2.3:a:pyvendor:pylib:*:*:*:*:*:python:*:*",
                version_end_excluding="1!1.0",
            )
        ]
    )
    # 2.0 has the implicit epoch 0: older than 1!1.0 under PEP 440 (the generic key says newer)
    assert [m.advisory_id for m in index.match("cpe:2.3:a:pyvendor:pylib:2.0:*:*:*:*:python:*:*")]
    assert not index.match("cpe:2.3:a:pyvendor:pylib:1!1.1:*:*:*:*:python:*:*")


def test_matching_uses_debian_order_for_a_debian_package_version():
    index = MatchIndex.build(
        [_advisory("cpe:2.3:a:gnu:glibc:*:*:*:*:*:*:*:*", version_end_excluding="2.36-9+deb12u4")]
    )
    assert index.match("cpe:2.3:a:gnu:glibc:2.36-9\\+deb12u3:*:*:*:*:*:*:*")
    assert not index.match("cpe:2.3:a:gnu:glibc:2.36-9\\+deb12u4:*:*:*:*:*:*:*")
    assert index.match("cpe:2.3:a:gnu:glibc:2.36-9\\+deb12u4~rc1:*:*:*:*:*:*:*")


def test_matching_uses_maven_order_for_java_libraries():
    index = MatchIndex.build(
        [_advisory("cpe:2.3:a:apache:log4j:*:*:*:*:*:*:*:*", version_end_excluding="2.0-SNAPSHOT")]
    )
    # Maven: beta-9 < SNAPSHOT (the generic key would call beta newer than a snapshot)
    assert index.match("cpe:2.3:a:apache:log4j:2.0-beta9:*:*:*:*:*:*:*")
