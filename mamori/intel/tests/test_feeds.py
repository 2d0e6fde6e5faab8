from __future__ import annotations

import datetime as dt

import pytest

from mamori.core.corpus import corpus_dir
from mamori.intel.parsers import parse_feed
from mamori.intel.parsers.common import parse_date
from mamori.intel.tests import samples


def test_rss2_items_dates_ids_and_html_stripped():
    result = parse_feed(samples.RSS2)
    assert result.error is None and result.kind == "rss"
    assert result.title == "JPCERT/CC 注意喚起"
    first, second = result.items
    assert first.link == "https://www.jpcert.or.jp/at/2023/at230030.html"
    assert first.guid == "at230030"
    assert first.published == dt.datetime(2023, 12, 11, 6, 0, tzinfo=dt.UTC)
    assert "<" not in first.summary and "脆弱性" in first.summary and "&amp;" not in first.summary
    assert first.ids == ["CVE-2023-50164", "JVNDB-2023-000123"]
    # a guid that is a URL (isPermaLink defaults to true) becomes the link
    assert second.link == "https://example.org/a" and second.published is None


def test_rss091_latin1_declared_encoding():
    result = parse_feed(samples.RSS091)
    assert result.error is None
    assert result.title == "Old été"
    assert result.items[0].title == "Café news"


def test_rdf_items_are_siblings_of_channel_and_ids_are_normalised():
    result = parse_feed(samples.RDF)
    assert result.kind == "rdf" and result.error is None
    (item,) = result.items
    assert item.published == dt.datetime(2024, 1, 10, 1, 0, tzinfo=dt.UTC)
    assert item.ids == ["CVE-2024-0001", "CVE-2024-12345"]
    assert item.link == "https://www.ipa.go.jp/security/alert1.html"


def test_atom_prefers_alternate_link_and_published_date():
    result = parse_feed(samples.ATOM)
    assert result.kind == "atom"
    assert result.link == "https://vendor.example/"
    (entry,) = result.items
    assert entry.link == "https://vendor.example/posts/1"
    assert entry.guid == "tag:vendor.example,2024:1"
    assert entry.published == dt.datetime(2024, 2, 1, 8, 30, tzinfo=dt.UTC)
    assert entry.ids == ["CVE-2024-1111"]


@pytest.mark.parametrize(
    "data, words",
    [
        (samples.BILLION_LAUGHS, "entity"),
        (samples.EXTERNAL_ENTITY, "entity"),
        (samples.HTML_PAGE, "HTML"),
        (b"", "empty"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "not a feed"),
        (b"\x00\x01\x02garbage", "malformed"),
    ],
)
def test_bad_input_becomes_an_error_value(data, words):
    result = parse_feed(data)
    assert result.error is not None and words.lower() in result.error.lower()
    assert result.items == []


def test_truncated_feed_keeps_what_was_read_and_says_it_was_broken():
    result = parse_feed(b"<rss><channel><title>x</title><item><title>one</title></item>")
    assert result.error is None and result.title == "x"
    assert [item.title for item in result.items] == ["one"]
    assert result.warnings and "malformed XML" in result.warnings[0]


def test_size_cap():
    result = parse_feed(samples.RSS2, max_bytes=100)
    assert result.error is not None and "too large" in result.error


def test_item_cap_keeps_the_first_items_and_says_so():
    items = "".join(
        f"<item><title>n{i}</title><link>https://e.org/{i}</link></item>" for i in range(30)
    )
    data = f"<rss version='2.0'><channel><title>t</title>{items}</channel></rss>".encode()
    result = parse_feed(data, max_items=10)
    assert [i.title for i in result.items] == [f"n{i}" for i in range(10)]
    assert result.error is None and "10 of 30" in result.warnings[0]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2023-06-01T11:12+09:00", dt.datetime(2023, 6, 1, 2, 12, tzinfo=dt.UTC)),
        ("2024-01-26T18:15:10.970", dt.datetime(2024, 1, 26, 18, 15, 10, 970000, tzinfo=dt.UTC)),
        ("2024-01-26", dt.datetime(2024, 1, 26, tzinfo=dt.UTC)),
        ("Tue, 10 Jun 2003 04:00:00 GMT", dt.datetime(2003, 6, 10, 4, 0, tzinfo=dt.UTC)),
        ("2024-13-45T99:99", None),
        ("yesterday", None),
        ("", None),
    ],
)
def test_dates(text, expected):
    assert parse_date(text) == expected


def test_real_feeds_from_the_corpus():
    folders = [corpus_dir("feeds", "generic_rss_atom_rss-parser"), corpus_dir("feeds", "jvn_rdf")]
    files = [f for folder in folders if folder for f in sorted(folder.iterdir())]
    if not files:
        pytest.skip("corpus feeds folder not present (../shared/corpus/feeds)")
    for path in files:
        result = parse_feed(path.read_bytes())
        assert result.error is None, (path.name, result.error)
        assert result.items, path.name
        assert all(item.title or item.link for item in result.items), path.name
        for item in result.items:
            assert item.published is None or item.published.tzinfo is not None
        if path.parent.name == "jvn_rdf":
            assert all(any(i.startswith("JVNDB-") for i in item.ids) for item in result.items)


@pytest.mark.parametrize("encoding", ["cp932", "euc_jp"])
def test_japanese_feed_mislabelled_as_utf8(encoding):
    text = "<?xml version='1.0' encoding='UTF-8'?><rss><channel><title>警察庁 サイバー警察局</title><item><title>注意喚起：不正アクセス</title></item></channel></rss>"
    result = parse_feed(text.encode(encoding))
    assert result.error is None
    assert result.title == "警察庁 サイバー警察局"
    assert result.items[0].title == "注意喚起：不正アクセス"


def test_latin1_without_declaration_is_not_misread_as_shift_jis():
    data = "<rss><channel><title>Últimas Notícias</title></channel></rss>".encode("latin-1")
    assert parse_feed(data).title == "Últimas Notícias"


def test_deeply_nested_xml_is_an_error_not_a_crash():
    data = b"<rss><channel>" + b"<a>" * 5000 + b"x" + b"</a>" * 5000 + b"</channel></rss>"
    result = parse_feed(data)
    assert result.error is not None and result.items == []


def test_jvn_ids_are_found_in_text_and_links():
    from mamori.intel.parsers.common import find_ids

    assert find_ids("JVNVU#12345678 と JVN#87654321", "https://jvn.jp/vu/JVNVU12345678/") == [
        "JVNVU#12345678",
        "JVN#87654321",
    ]
    assert find_ids("JVNDB-2024-000001 only") == ["JVNDB-2024-000001"]
