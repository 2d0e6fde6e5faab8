"""`parse_any`: recognise a downloaded advisory file (JVN, MyJVN, NVD, KEV) and parse it."""

from __future__ import annotations

import zlib

from mamori.intel.model import AdvisoryResult
from mamori.intel.parsers.common import InputError, as_dict, load_json
from mamori.intel.parsers.jvn import parse_jvn_rdf, parse_myjvn_xml
from mamori.intel.parsers.kev import parse_kev
from mamori.intel.parsers.myjvn import parse_myjvn_json
from mamori.intel.parsers.nvd import parse_nvd_document

MAX_DECOMPRESSED_BYTES = 2 * 1024 * 1024 * 1024


def gunzip_capped(data: bytes, *, max_bytes: int = MAX_DECOMPRESSED_BYTES) -> bytes:
    """Decompress gzip data, refusing to produce more than max_bytes (gzip bombs)."""
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = decompressor.decompress(data, max_bytes + 1)
    except zlib.error as exc:
        raise InputError(f"broken gzip data: {exc}") from None
    if len(out) > max_bytes or decompressor.unconsumed_tail:
        raise InputError(f"decompressed data is larger than {max_bytes} bytes")
    return out


def parse_any(
    data: bytes, filename: str = "", *, max_bytes: int = MAX_DECOMPRESSED_BYTES
) -> AdvisoryResult:
    """Sniff the format from the content (the file name only breaks ties) and parse it."""
    try:
        if data[:2] == b"\x1f\x8b" or filename.endswith(".gz"):
            data = gunzip_capped(data, max_bytes=max_bytes)
    except InputError as exc:
        return AdvisoryResult(errors=[str(exc)])
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    lowered_name = filename.lower()
    if head[:1] in (b"{", b"["):
        return _parse_json(data, max_bytes)
    if head[:1] == b"<":
        if b"http://jvn.jp/rss/mod_sec/3.0/" in data[:8192] or b"VULDEF-Document" in head:
            return parse_myjvn_xml(data, max_bytes=max_bytes)
        return parse_jvn_rdf(data, max_bytes=max_bytes)
    if b"cveID" in head.split(b"\n", 1)[0] or lowered_name.endswith(".csv"):
        return parse_kev(data, max_bytes=max_bytes)
    return AdvisoryResult(errors=["unrecognised file: not JVN/MyJVN XML, NVD/KEV JSON or KEV CSV"])


def _parse_json(data: bytes, max_bytes: int) -> AdvisoryResult:
    try:
        document = load_json(data, max_bytes=max_bytes)
    except InputError as exc:
        return AdvisoryResult(errors=[str(exc)])
    head = as_dict(document)
    if "vulnerabilities" in head and ("catalogVersion" in head or _looks_like_kev(head)):
        return parse_kev(data, max_bytes=max_bytes)
    if "feed" in head or "document" in head or "objects" in head:
        return parse_myjvn_json(data, max_bytes=max_bytes)
    return parse_nvd_document(document)


def _looks_like_kev(document: dict) -> bool:
    rows = document.get("vulnerabilities")
    return (
        isinstance(rows, list) and bool(rows) and isinstance(rows[0], dict) and "cveID" in rows[0]
    )


__all__ = ["gunzip_capped", "parse_any"]
