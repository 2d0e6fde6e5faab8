"""URL shortcuts: each gives what urljoin or urlsplit gives for the references it takes."""

from __future__ import annotations

from urllib.parse import urljoin

from hypothesis import example, given, settings
from hypothesis import strategies as st

from mamori.monitoring import urlparts

_PATH_PIECES = [
    "/",
    "a",
    "x.js",
    ".",
    "..",
    "?",
    "=",
    "&",
    "%20",
    "#",
    "//",
    " ",
    "\t",
    "-",
    "~",
    "+",
    ";",
]
_BASES = [
    "https://www.example.co.jp/", "HTTP://Ex.Example:8080/dir/page?q=1#f",
    "https://u:p@h.example/a/b/", "https://www.example.co.jp", "http://[::1]:8000/x",
]  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_PATH_PIECES), max_size=10).map("".join), st.sampled_from(_BASES))
def test_plain_root_paths_join_as_urljoin_joins_them(path: str, base: str) -> None:
    value = "/" + path
    if urlparts.is_plain_root_path(value):
        assert f"{urlparts.origin_of(base)}{value}" == urljoin(base, value)


_URL_PIECES = ["/", "a", ":8080", ":", "@", ";", "?", "=", "#", " ", "\t", "\x01", "é", "\\",
               "..", ".", "%2F", "&", "//", "\n"]  # fmt: skip
_URL_STARTS = st.tuples(
    st.sampled_from(["https:", "http:", "https:", "", "", "HTTP:", "ftp:", " "]),
    st.sampled_from(["//", "//", "//", "/", "///"]),
    st.sampled_from(["ex.example", "EX.example", "a", "", "[::1]", "é.example", "u@h", "h:80"]),
).map("".join)


@settings(max_examples=1000, deadline=None)
@given(_URL_STARTS, st.lists(st.sampled_from(_URL_PIECES), max_size=8).map("".join))
@example("https://ex.example", "/a;")
@example("//ex.example", "/a\x01b")
@example("http://ex.example", "?")
@example("//ex.example", "/a?q#")
def test_plain_urls_join_as_urljoin_joins_them(start: str, rest: str) -> None:
    """Absolute and scheme-relative URLs taken without urljoin give what urljoin gives."""
    _assert_joined_as_urljoin_joins(start + rest, _BASES)


def _assert_joined_as_urljoin_joins(value: str, bases: list[str]) -> None:
    for base in bases:
        page = urlparts.PageUrls(base)
        assert page.absolute(value) == urlparts.join_url.__wrapped__(page.base, value), base


_RELATIVE_PIECES = ["a", "b.js", "/", ".", "..", "?", "q=1", "#", "x", "%20", "~", "-", ":", " ",
                    "\t", "//", ";", "é", "&", "#top"]  # fmt: skip
_ODD_BASES = [
    *_BASES, "https://h.example/a//b/../c/page.html?q=1#f", "https://h.example", "http://h.example/a/./b",
    "https://h.example/dir/", "https://h.example/a/..", "https://h.example/?", "https://h.example/p;x",
]  # fmt: skip


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(_RELATIVE_PIECES), min_size=1, max_size=8).map("".join))
@example("css/styles.css")
@example("#content")
@example("a/")
@example("a?q=1")
@example("a/./b.js")
@example("a/..")
@example(".hidden/x")
@example("a?")
def test_relative_paths_and_fragments_join_as_urljoin_joins_them(value: str) -> None:
    _assert_joined_as_urljoin_joins(value, _ODD_BASES)


@settings(max_examples=1000, deadline=None)
@given(_URL_STARTS, st.lists(st.sampled_from(_URL_PIECES), max_size=8).map("".join))
@example("HTTPS://Ex.Example", "#x")
@example("http://a..b", "")
@example("http://ex.example", "\\x01")
@example("https://ex.example:8080", "/a")
@example("Https://ex.example", "/")
@example("https://ex.example", "\tx")
@example("https://ex.example", "")
@example("https://ex.example", "/a.js?ver=6.4.2#x")
@example("https://[::1", "/a.js?ver=1")
def test_plain_hosts_origins_and_queries_read_as_urlsplit_reads_them(start: str, rest: str) -> None:
    url = start + rest
    assert urlparts.url_host(url) == urlparts._host_by_urlsplit(url)
    assert urlparts.origin_of(url) == urlparts._origin_by_urlsplit(url)
    assert urlparts.url_query(url) == urlparts._query_by_urlsplit(url)


@settings(max_examples=1000, deadline=None)
@given(
    _URL_STARTS,
    st.lists(st.sampled_from([*_URL_PIECES, "..", "./", "x.html"]), max_size=8).map("".join),
)
@example("https://ex.example", "")
@example("https://ex.example", "/a/b.html?q=1#f")
@example("https://ex.example", "/a//b/c")
@example("https://ex.example", "/a/./b/c")
@example("https://ex.example", "/a/../b")
@example("https://ex.example", "?q=1")
def test_folder_and_fragment_prefixes_are_what_urljoin_puts_first(start: str, rest: str) -> None:
    base = start + rest
    urlparts._join_prefix.cache_clear()
    for example_ in ("x", "#x"):
        try:
            joined = urljoin(base, example_)
        except ValueError:
            continue
        prefix = urlparts._join_prefix(base, example_)
        assert prefix is None or prefix + example_.lstrip("#") == joined, (base, example_)
