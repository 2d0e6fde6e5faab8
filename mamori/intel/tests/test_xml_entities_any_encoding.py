"""Entity declarations are refused in every encoding an XML document may use: UTF-8, UTF-16 and
UTF-32 with or without a byte order mark (a "billion laughs" in UTF-16 used to pass the byte
check), for feeds and advisories alike; and the parsed tree is checked too, whatever the bytes."""

from __future__ import annotations

import pytest
from lxml import etree

from mamori.intel.parsers.common import (
    InputError,
    _parser,
    parse_xml,
    parse_xml_lenient,
    recover_xml,
)
from mamori.intel.parsers.feeds import parse_feed

LAUGHS = (
    '<?xml version="1.0" encoding="{encoding}"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'
        for i in range(1, 10)
    )
    + ']>\n<rss version="2.0"><channel><title>&lol9;</title>'
    "<item><title>x</title><link>https://example.jp/</link></item></channel></rss>"
)

ENCODINGS = [
    ("UTF-16", "utf-16"),  # with BOM
    ("UTF-16LE", "utf-16-le"),  # no BOM
    ("UTF-16BE", "utf-16-be"),
    ("UTF-32", "utf-32"),
    ("UTF-32LE", "utf-32-le"),
    ("UTF-32BE", "utf-32-be"),
    ("UTF-8", "utf-8-sig"),
]


@pytest.mark.parametrize(("declared", "codec"), ENCODINGS)
def test_billion_laughs_is_refused_in_every_encoding(declared: str, codec: str) -> None:
    data = LAUGHS.format(encoding=declared).encode(codec)
    with pytest.raises(InputError, match="entity declarations"):
        parse_xml(data)
    with pytest.raises(InputError, match="entity declarations"):
        parse_xml_lenient(data)
    assert recover_xml(data) is None
    result = parse_feed(data)
    assert result.error is not None and "entity" in result.error
    assert result.items == []


def test_the_parsed_tree_is_checked_whatever_the_bytes() -> None:
    from mamori.intel.parsers.common import _declares_entities

    one = b'<!DOCTYPE rss [<!ENTITY who "someone">]><rss><channel><title>&who;</title></channel></rss>'
    root = etree.fromstring(one, parser=_parser())
    assert _declares_entities(root)
    plain = etree.fromstring(b"<rss><channel><title>x</title></channel></rss>", parser=_parser())
    assert not _declares_entities(plain)


def test_utf16_feed_without_entities_still_parses() -> None:
    data = (
        '<?xml version="1.0" encoding="UTF-16"?><rss version="2.0"><channel><title>お知らせ'
        "</title><item><title>更新</title><link>https://example.jp/a</link></item>"
        "</channel></rss>"
    ).encode("utf-16")
    result = parse_feed(data)
    assert result.error is None and [item.title for item in result.items] == ["更新"]
