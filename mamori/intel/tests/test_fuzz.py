"""Mutated real and own samples through every parser: nothing escapes, caps hold."""

from __future__ import annotations

import gzip

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mamori.core.corpus import corpus_dir
from mamori.intel.model import AdvisoryResult, FeedResult
from mamori.intel.parsers import (
    parse_any,
    parse_feed,
    parse_jvn_rdf,
    parse_kev,
    parse_myjvn,
    parse_nvd,
)
from mamori.intel.tests import samples


def _seeds() -> list[bytes]:
    seeds = [
        samples.RSS2,
        samples.RSS091,
        samples.RDF,
        samples.ATOM,
        samples.jvn_rdf(),
        samples.jvn_rdf("http://jvn.jp/rss/mod_sec/3.0/"),
        samples.nvd_page([samples.nvd_record()]),
        samples.kev_json(),
        samples.kev_csv(),
        samples.BILLION_LAUGHS,
    ]
    for parts in (
        ("feeds", "jvn_rdf"),
        ("feeds", "myjvn_np_examples", "hnd"),
        ("vulns", "nvd_cve_json_2.0"),
    ):
        folder = corpus_dir(*parts)
        if folder is not None:
            seeds.extend(
                p.read_bytes() for p in sorted(folder.iterdir()) if p.stat().st_size < 40_000
            )
    return seeds


SEEDS = _seeds()


@st.composite
def mutated(draw):
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from(["flip", "cut", "dup", "insert"]))
        if not data:
            break
        pos = draw(st.integers(0, len(data) - 1))
        if op == "flip":
            data[pos] = draw(st.integers(0, 255))
        elif op == "cut":
            del data[pos : pos + draw(st.integers(1, 64))]
        elif op == "dup":
            data[pos:pos] = data[pos : pos + draw(st.integers(1, 64))]
        else:
            data[pos:pos] = draw(
                st.sampled_from(
                    [b"<", b">", b"&", b'"', b"{", b"]", b"<!ENTITY x 'y'>", b"\xff\xfe", b"\x00"]
                )
            )
    return bytes(data)


PARSERS = [
    parse_feed,
    parse_jvn_rdf,
    parse_myjvn,
    parse_nvd,
    parse_kev,
    lambda d: parse_any(d, "x"),
]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(), st.sampled_from(PARSERS))
def test_mutated_input_never_raises(data, parser):
    result = parser(data)
    assert isinstance(result, FeedResult | AdvisoryResult)
    if isinstance(result, FeedResult):
        assert result.error is None or isinstance(result.error, str)
    else:
        assert all(isinstance(e, str) for e in result.errors)


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=2000))
def test_random_bytes_never_raise(data):
    for parser in PARSERS:
        parser(data)
    parse_any(gzip.compress(data), "x.gz")


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 5))
def test_caps_hold(cap):
    items = "".join(f"<item><title>t{i}</title></item>" for i in range(10))
    feed = parse_feed(f"<rss><channel>{items}</channel></rss>".encode(), max_items=cap)
    assert len(feed.items) == cap
    records = [samples.nvd_record(f"CVE-2024-{i:04d}") for i in range(8)]
    assert len(parse_nvd(samples.nvd_page(records), max_items=cap).advisories) == cap
    big = samples.RSS2 * 3
    assert parse_feed(big, max_bytes=len(big) - cap).error.startswith("too large")
