"""Page fingerprints: structure, visible text, ignored regions, encodings, caps, bad input."""

from __future__ import annotations

import json
from urllib.parse import urljoin

from hypothesis import given, settings
from hypothesis import strategies as st

from mamori.monitoring.fingerprint import MAX_URLS_PER_KIND, Fingerprint, fingerprint
from mamori.monitoring.urlparts import url_host

URL = "https://www.shop.example/news/index.html"


def page(body: str, head: str = "") -> bytes:
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>山田商店</title>"
        f"{head}</head><body>{body}</body></html>"
    ).encode()


def test_script_sources_are_absolute_and_sorted() -> None:
    fp = fingerprint(
        page('<script src="/js/b.js"></script><script src="//cdn.example.net/a.js"></script>'),
        page_url=URL,
    )
    assert fp.scripts == ("https://cdn.example.net/a.js", "https://www.shop.example/js/b.js")


def test_base_href_changes_resolution() -> None:
    fp = fingerprint(
        page('<script src="x.js"></script>', head='<base href="https://static.example.org/v2/">'),
        page_url=URL,
    )
    assert fp.scripts == ("https://static.example.org/v2/x.js",)


def test_inline_scripts_hashed_with_volatile_tokens_masked() -> None:
    first = fingerprint(page("<script>var nonce='a1b2c3d4e5f6'; t=1700000000;</script>"))
    second = fingerprint(page("<script>var nonce='99ffee0011aa'; t=1700000555;</script>"))
    injected = fingerprint(page("<script>eval(atob('ZG9jdW1lbnQud3JpdGU='))</script>"))
    assert len(first.inline_scripts) == 1
    assert first.inline_scripts == second.inline_scripts
    assert first.inline_scripts != injected.inline_scripts
    assert "eval(atob" in injected.inline_previews[injected.inline_scripts[0]]


def test_non_executable_script_types_are_not_inline_scripts() -> None:
    fp = fingerprint(
        page(
            '<script type="application/ld+json">{"a": 1}</script><script type=module>go()</script>'
        )
    )
    assert len(fp.inline_scripts) == 1


def test_frames_embeds_objects_forms_and_refresh() -> None:
    fp = fingerprint(
        page(
            '<iframe src="https://ads.example.com/f"></iframe>'
            '<embed src="/media/movie.swf"><object data="https://obj.example/o"></object>'
            '<form action="https://collect.example/post"></form><form></form>'
            '<button formaction="/alt">x</button>',
            head='<meta http-equiv="Refresh" content="0; URL=\'https://go.example/land\'">',
        ),
        page_url=URL,
    )
    assert fp.frames == (
        "https://ads.example.com/f",
        "https://obj.example/o",
        "https://www.shop.example/media/movie.swf",
    )
    assert fp.form_actions == (
        "https://collect.example/post",
        "https://www.shop.example/alt",
        URL,
    )
    assert fp.meta_refresh == ("https://go.example/land",)


def test_link_hosts_are_lowercase_ascii() -> None:
    fp = fingerprint(
        page(
            '<a href="https://Partner.Example.COM/x">p</a><a href="/local">l</a>'
            '<a href="https://例え.jp/">idn</a><a href="mailto:a@b.example">m</a>'
        ),
        page_url=URL,
    )
    assert fp.link_hosts == ("partner.example.com", "www.shop.example", "xn--r8jz45g.jp")


def test_links_hidden_from_view_are_collected() -> None:
    fp = fingerprint(
        page(
            '<div style="display: none"><a href="https://spam1.example/">a</a></div>'
            '<p hidden><a href="https://spam2.example/">b</a></p>'
            '<div style="position:absolute; left:-9999px"><a href="https://spam3.example/">c</a></div>'
            '<span style="font-size:0"><a href="https://spam4.example/">d</a></span>'
            '<a href="https://visible.example/">shown</a>'
            '<span style="line-height:1; height: 1em"><a href="https://icon.example/">i</a></span>'
            '<div style="max-width:0px"><a href="https://wide.example/">w</a></div>'
        ),
        page_url=URL,
    )
    assert fp.hidden_links == tuple(f"https://spam{n}.example/" for n in range(1, 5))


def test_visible_text_skips_scripts_styles_and_hidden_parts() -> None:
    fp = fingerprint(
        page(
            "<h1>お知らせ</h1><p>営業時間は  10時\n から</p><style>p{}</style>"
            "<script>var x='not text'</script><div hidden>secret</div><!-- comment -->"
            "<ul><li>one</li><li>two</li></ul>tail text"
        )
    )
    assert fp.text.splitlines() == [
        "山田商店",
        "お知らせ",
        "営業時間は 10時 から",
        "one",
        "two",
        "tail text",
    ]


def test_ignored_regions_leave_text_but_not_structure() -> None:
    one = page(
        '<p>Today: <span class="date">2026-11-21</span> open</p><div id="ad"><script src="https://ad.example/a.js"></script>1</div>'
    )
    two = page(
        '<p>Today: <span class="date">2026-11-22</span> open</p><div id="ad"><script src="https://ad.example/a.js"></script>2</div>'
    )
    a = fingerprint(one, page_url=URL, ignore_selectors=[".date", "#ad"])
    b = fingerprint(two, page_url=URL, ignore_selectors=[".date", "#ad"])
    assert a.raw_sha256 != b.raw_sha256
    assert a.text == b.text and a.text_sha256 == b.text_sha256
    assert "Today: open" in a.text
    assert a.scripts == ("https://ad.example/a.js",)  # never hidden by an ignored region
    plain = fingerprint(one, page_url=URL)
    assert "2026-11-21" in plain.text


def test_ignored_regions_are_found_on_the_page_as_served_in_any_order() -> None:
    """Each selector matches the page the browser shows: an earlier selector's region does not
    make a later ':first-child' match something else, so the order of the list does not matter."""
    html = page("<div><h2>見出し</h2><p>first</p><p>second</p></div>")
    one = fingerprint(html, page_url=URL, ignore_selectors=["h2", "div > p:first-child"])
    two = fingerprint(html, page_url=URL, ignore_selectors=["div > p:first-child", "h2"])
    assert one.text == two.text
    assert one.text.splitlines() == ["山田商店", "first", "second"]
    untitled = fingerprint(html, page_url=URL, ignore_selectors=["title"])
    assert untitled.text.splitlines() == ["見出し", "first", "second"]


def test_link_hosts_resolve_as_urljoin_does_for_awkward_references() -> None:
    hrefs = [
        "/a", "?q=1", "#top", "page.html", " /spaced ", "//cdn.example.net/x",
        "/\t/tab.example/", "\x01//ctl.example/", "HTTPS://Upper.Example/", "https:relative",
        "javascript:void(0)", "mailto:x@example.org", "http://[::1", "https://例え.jp/",
        "https:///no-host", "HTTP://Mixed.Example:8080/a", "https://user@at.example/", "http://",
        "https://[::1]/", "http://a.example\t.evil.example/",
    ]  # fmt: skip
    body = "".join(f'<a href="{href}">x</a>' for href in hrefs)
    fp = fingerprint(page(body), page_url=URL)
    expected = set()
    for href in hrefs:
        value = href.strip()
        if value.lower().startswith(("javascript:", "mailto:")):
            continue
        try:
            target = urljoin(URL, value)
        except ValueError:
            continue
        host = url_host(target)
        if host:
            expected.add(host)
    assert set(fp.link_hosts) == expected
    assert {"www.shop.example", "cdn.example.net", "upper.example"} <= expected


def test_unparsable_asset_urls_do_not_raise() -> None:
    html = page(
        '<script src="http://[::1/x.js"></script><script src="http://[::1/drupal/core/a.js"></script>'
        '<link rel="stylesheet" href="https://[bad/drupal/misc/s.css"><a href="http://[::1">x</a>'
    )
    fp = fingerprint(html, page_url=URL)
    assert "http://[::1/x.js" in fp.scripts and not fp.errors


def test_bad_selectors_are_reported_not_raised() -> None:
    fp = fingerprint(page("<p>x</p>"), ignore_selectors=["][", "p:nth-child(", "x" * 600, "p"])
    assert len(fp.errors) == 3
    assert "x" not in fp.text.splitlines()


def test_shift_jis_page_with_meta_charset() -> None:
    html = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS">'
        "</head><body><p>営業案内</p></body></html>"
    ).encode("cp932")
    assert "営業案内" in fingerprint(html).text


def test_undeclared_legacy_encoding_and_http_charset() -> None:
    body = "<html><body><p>会社概要</p></body></html>"
    assert "会社概要" in fingerprint(body.encode("cp932")).text
    assert "会社概要" in fingerprint(body.encode("euc_jp"), encoding="EUC-JP").text


def test_xml_declaration_page() -> None:
    html = b'<?xml version="1.0" encoding="utf-8"?><html><body><p>ok</p></body></html>'
    assert fingerprint(html).text == "ok"


def test_empty_and_garbage_input_give_errors() -> None:
    for data in (b"", b"   ", b"\x00\x01\x02"):
        fp = fingerprint(data)
        assert fp.raw_sha256
        assert fp.scripts == ()
    assert fingerprint(b"").errors


def test_size_cap_truncates() -> None:
    html = page(
        "<p>start</p>"
        + "<p>filler</p>" * 10_000
        + '<script src="https://late.example/x.js"></script>'
    )
    fp = fingerprint(html, max_bytes=10_000)
    assert fp.truncated and "start" in fp.text
    assert fp.scripts == ()


def test_deep_nesting_does_not_crash() -> None:
    depth = 20_000
    html = ("<div>" * depth + "deep" + "</div>" * depth).encode()
    fp = fingerprint(html)
    assert isinstance(fp.text, str)


def test_url_lists_are_capped() -> None:
    links = "".join(f'<script src="https://s{n}.example/x.js"></script>' for n in range(800))
    fp = fingerprint(page(links))
    assert len(fp.scripts) == MAX_URLS_PER_KIND
    assert any("cap" in error for error in fp.errors)


def test_round_trip_through_json() -> None:
    fp = fingerprint(
        page('<script>go()</script><script src="/a.js"></script><p>text</p>'), page_url=URL
    )
    restored = Fingerprint.from_dict(json.loads(json.dumps(fp.to_dict())))
    assert restored == fp


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_any_bytes_fingerprint_without_raising(data: bytes) -> None:
    fp = fingerprint(data, page_url=URL, ignore_selectors=["p", "[x"])
    assert len(fp.raw_sha256) == 64


HTML_PIECES = st.sampled_from(
    [
        "<p>", "</p>", "<div hidden>", "</div>", "<script>", "</script>", "<a href='//x.example/'>",
        "</a>", "<iframe src=", "<form action=", "<meta http-equiv=refresh content='0;url=", "'",
        '"', ">", "<", "&amp;", "&#0;", "テキスト", "<base href='::'>", "<object data=", "\x00",
        "<svg><script>", "<!--", "-->", "<?xml?>", "<table><tr><td>", "style='display:none'",
    ]
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.lists(HTML_PIECES, max_size=60))
def test_html_fragments_fingerprint_without_raising(pieces: list[str]) -> None:
    fp = fingerprint("".join(pieces).encode(), page_url=URL)
    assert fp == Fingerprint.from_dict(json.loads(json.dumps(fp.to_dict())))


def _tree_from_text(data: bytes) -> bytes | None:
    """The tree as lxml builds it from the decoded text (the way every page went before valid
    UTF-8 was handed to the parser as bytes)."""
    import lxml.etree

    text = data.decode("utf-8", errors="replace")
    if not text or text.isspace():
        return None
    parser = lxml.etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True)
    try:
        root = lxml.etree.fromstring(text, parser=parser)
    except (lxml.etree.ParserError, ValueError):
        return None
    return None if root is None else lxml.etree.tostring(root)


TREE_PIECES = st.sampled_from(
    [
        "<p>", "</p>", "<meta charset='shift_jis'>", "<meta charset=x-bogus>", "é", "日本語",
        "<meta http-equiv=Content-Type content='text/html; charset=iso-8859-1'>", "&#xD800;",
        "<script>", "</script>", "<!--", "-->", "<?php ?>", "\u2028", "\U0001f600", "&nbsp;",
        "<head>", "<body>", "<table><td>", "<br/>", "<a href='/ü?q=ä'>", "'", ">", "<", "\r\n",
        "\x00", "\ufeff",
    ]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(TREE_PIECES, max_size=40))
def test_valid_utf8_parses_to_the_same_tree_as_its_text(pieces: list[str]) -> None:
    import lxml.etree

    from mamori.monitoring.fingerprint import _parse

    data = "".join(pieces).encode()
    root = _parse(data, "utf-8")
    expected = _tree_from_text(data)
    assert (None if root is None else lxml.etree.tostring(root)) == expected


DIGEST_PIECES = st.sampled_from(
    ["deadbeef", "abc", "ABCDEF", "1", "0", "9", "x", "g", " ", "-", "F", "00", "٣", "１", "q1"]
)


@settings(max_examples=500, deadline=None)
@given(st.lists(DIGEST_PIECES, max_size=16).map("".join))
def test_inline_digest_masks_what_the_volatile_pattern_masks(text: str) -> None:
    from mamori.monitoring.fingerprint import _VOLATILE_TOKENS, _masked_digest, sha256

    assert _masked_digest(text) == sha256(_VOLATILE_TOKENS.sub("0", text))


def test_attributes_passed_over_are_neither_handlers_nor_url_attributes() -> None:
    from mamori.monitoring.fingerprint import _JS_URL_ATTRIBUTES, _PLAIN_ATTRIBUTES

    assert _PLAIN_ATTRIBUTES.isdisjoint(_JS_URL_ATTRIBUTES)
    assert not [name for name in _PLAIN_ATTRIBUTES if name.lower().startswith("on")]
    assert all(name == name.lower() for name in _PLAIN_ATTRIBUTES)
    fp = fingerprint(
        page('<a HREF="javascript:steal()" OnClick="x()" class="c">t</a>'), page_url=URL
    )
    assert fp.js_urls and fp.handlers
