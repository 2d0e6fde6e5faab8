from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mamori.intel.matching import Cpe, CpeError, compare_versions, suggest_cpe


@pytest.mark.parametrize(
    "older, newer",
    [
        ("1.9", "1.10"),
        ("2.5.30", "2.5.30.1"),
        ("2.5.30.1", "2.5.31"),
        ("8u291", "8u301"),
        ("8", "8u301"),
        ("1.0rc1", "1.0"),
        ("1.0-beta2", "1.0-rc1"),
        ("1.0.0-alpha", "1.0.0-beta"),
        ("1.0-SNAPSHOT", "1.0-alpha"),
        ("3.12.0a1", "3.12.0"),
        ("1.0.2", "1.0.2k"),  # OpenSSL letter releases come after the plain version
        ("1.0.2j", "1.0.2k"),
        ("12.5(1)su7", "12.5(1)su8"),
        ("12.5(1)su8", "14su3"),
        ("9.8", "9.8P19"),
        ("1.0", "1.0.1"),
        ("0.9", "0.10"),
    ],
)
def test_version_order(older, newer):
    assert compare_versions(older, newer) == -1
    assert compare_versions(newer, older) == 1


@pytest.mark.parametrize(
    "a, b",
    [
        ("1.0", "1.0.0"),
        ("v6", "6.0"),
        ("1.0.0-rc1", "1.0-RC1"),
        ("2.5.30", "2.5.30"),
        ("1_2", "1.2"),
    ],
)
def test_version_equal(a, b):
    assert compare_versions(a, b) == 0


versions = st.from_regex(
    r"[0-9]{1,3}(\.[0-9]{1,3}){0,3}([-.]?(rc|beta|alpha|u|p|sp)[0-9]{0,2})?", fullmatch=True
)


@settings(max_examples=200, deadline=None)
@given(versions, versions, versions)
def test_version_comparison_is_a_total_order(a, b, c):
    assert compare_versions(a, a) == 0
    assert compare_versions(a, b) == -compare_versions(b, a)
    if compare_versions(a, b) <= 0 and compare_versions(b, c) <= 0:
        assert compare_versions(a, c) <= 0


def test_cpe23_escapes_round_trip():
    text = r"cpe:2.3:a:cisco:unified_communications_manager:12.5\(1\)su8:*:*:*:session_management:*:*:*"
    cpe = Cpe.parse(text)
    assert cpe.version == "12.5(1)su8" and cpe.sw_edition == "session_management"
    assert cpe.format() == text
    assert Cpe.parse(cpe.format()) == cpe


def test_cpe22_uri_becomes_cpe23():
    assert Cpe.parse("cpe:/o:google:android").format() == "cpe:2.3:o:google:android:*:*:*:*:*:*:*:*"
    packed = Cpe.parse("cpe:/a:oracle:jdk:1.8.0:update_301:~~~~x64~")
    assert (packed.update, packed.target_hw) == ("update_301", "x64")
    assert Cpe.parse("cpe:/a:vendor%21:prod").vendor == "vendor!"


@pytest.mark.parametrize(
    "text", ["", "cpe:2.3:a:b", "cpe:2.3:z:a:b:c:d:e:f:g:h:i:j", "hello", "cpe:/q:x:y", "x" * 2000]
)
def test_bad_cpe(text):
    with pytest.raises(CpeError):
        Cpe.parse(text)


@pytest.mark.parametrize(
    "vendor, product, version, expected",
    [
        (
            "Apache Software Foundation",
            "Apache Struts",
            "2.5.30",
            "cpe:2.3:a:apache:struts:2.5.30:*:*:*:*:*:*:*",
        ),
        (
            "Microsoft Corporation",
            "Office 2019",
            "",
            "cpe:2.3:a:microsoft:office_2019:*:*:*:*:*:*:*:*",
        ),
        ("Oracle", "JDK", "8u301", "cpe:2.3:a:oracle:jdk:8u301:*:*:*:*:*:*:*"),
        ("Cybozu, Inc.", "Garoon", "v5.0", "cpe:2.3:a:cybozu:garoon:5.0:*:*:*:*:*:*:*"),
    ],
)
def test_suggest_cpe(vendor, product, version, expected):
    assert suggest_cpe(vendor, product, version) == expected


component = st.text(
    alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=12
)


@settings(max_examples=200, deadline=None)
@given(component, component, component)
def test_cpe_format_parse_round_trip(vendor, product, version):
    cpe = Cpe(part="a", vendor=vendor.lower(), product=product.lower(), version=version.lower())
    again = Cpe.parse(cpe.format())
    assert again.format() == cpe.format()
