"""Helpers shared by every parser: safe XML, dates, id extraction, text clean-up, caps."""

from __future__ import annotations

import datetime as dt
import html
import re

from lxml import etree

from mamori.intel.parsers.dates import parse_date as _parse_date

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_ITEMS = 5_000
MAX_TEXT_CHARS = 20_000

CVE_RE = re.compile(r"\bCVE-(\d{4})-(\d{4,7})\b", re.IGNORECASE)
JVNDB_RE = re.compile(r"\bJVNDB-(\d{4})-(\d{6})\b", re.IGNORECASE)
# JVN's own ids ("JVN#12345678", "JVNVU#12345678", in URLs without the "#"), which JPCERT/CC
# and vendors cite: they let a surge be seen across JVN and the others.
JVN_RE = re.compile(r"\bJVN(VU|TA)?#?(\d{8})\b", re.IGNORECASE)
_TAG_RE = re.compile(r"<[/!?]?[A-Za-z][^>]{0,2000}>|<!--.{0,20000}?-->", re.S)
# What is left of a comment after the closed ones are gone: an unclosed one hides the rest,
# a malformed one (`<!-- -- x >`) ends at its `>`, as browsers read them.
_BROKEN_COMMENT_RE = re.compile(r"<!--(?:[^>]{0,2000}>|.*\Z)", re.S)
# C1 control characters are almost always Windows-1252 punctuation mislabelled as Latin-1.
_C1_RE = re.compile("[\x80-\x9f]")
# Bodies that are code, not words: never part of a summary.
_SCRIPT_RE = re.compile(
    r"<(script|style|noscript|template)\b[^>]{0,2000}>.{0,200000}?</\1\s*>", re.I | re.S
)
_SPACE_RE = re.compile(r"\s+")
_ENTITY_DECL_RE = re.compile(rb"<!ENTITY", re.IGNORECASE)
_HTML_START_RE = re.compile(
    rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html[\s>])", re.IGNORECASE | re.S
)


ENTITY_REFUSAL = "entity declarations are not allowed (possible entity-expansion attack)"


class InputError(ValueError):
    """Bad input that a parser turns into an error value (never escapes the public functions)."""


def find_ids(*texts: str) -> list[str]:
    """CVE, JVNDB and JVN ids in the texts, upper-cased, first-seen order, no duplicates."""
    seen: dict[str, None] = {}
    for text in texts:
        if not text:
            continue
        for match in CVE_RE.finditer(text):
            seen.setdefault(f"CVE-{match.group(1)}-{match.group(2)}", None)
        for match in JVNDB_RE.finditer(text):
            seen.setdefault(f"JVNDB-{match.group(1)}-{match.group(2)}", None)
        if "jvn" in text or "JVN" in text:
            for match in JVN_RE.finditer(text):
                seen.setdefault(f"JVN{(match.group(1) or '').upper()}#{match.group(2)}", None)
    return list(seen)


def clean_text(value: str | None, *, limit: int = MAX_TEXT_CHARS) -> str:
    """Plain text: tags removed, entities decoded, whitespace collapsed, length capped."""
    if not value:
        return ""
    text = value
    if "<" in text:
        text = _SCRIPT_RE.sub(" ", text)
        text = _TAG_RE.sub(" ", text)
        if "<!--" in text:
            text = _BROKEN_COMMENT_RE.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    text = demoronize(text)
    text = _SPACE_RE.sub(" ", text).strip()
    return text[:limit]


def demoronize(text: str) -> str:
    """C1 control characters read as the Windows-1252 punctuation they almost always are."""
    if not _C1_RE.search(text):
        return text
    return _C1_RE.sub(lambda m: _cp1252(m.group(0)), text)


def _cp1252(char: str) -> str:
    try:
        return bytes([ord(char)]).decode("cp1252")
    except UnicodeDecodeError:
        return ""


def parse_date(value: str | None) -> dt.datetime | None:
    """An aware UTC datetime from the date forms feeds and advisories use; or None.

    A time without a zone is taken as UTC (NVD publishes naive UTC timestamps). The forms
    and zones read are listed in mamori.intel.parsers.dates.
    """
    return _parse_date(value)


def parse_day(value: str | None) -> dt.date | None:
    """A calendar date from "YYYY-MM-DD" (or any date-time string), else None."""
    if not value:
        return None
    text = value.strip()[:10]
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        stamp = parse_date(value)
        return stamp.date() if stamp else None


_XML_DECL_ENCODING_RE = re.compile(
    rb"^\s*<\?xml[^>]{0,200}?encoding\s*=\s*[\"']([A-Za-z0-9._-]{1,40})"
)
# Byte order marks and the first bytes of "<?" (XML 1.0 appendix F), longest first.
_ENCODING_SIGNATURES = (
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xfe\xff", "utf-16-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\x00<\x00?", "utf-16-be"),
    (b"<\x00?\x00", "utf-16-le"),
    (b"\x4c\x6f\xa7\x94", "cp500"),
)


def _declared_encodings(data: bytes) -> list[str]:
    names: list[str] = []
    for signature, name in _ENCODING_SIGNATURES:
        if data.startswith(signature):
            names.append(name)
            break
    declared = _XML_DECL_ENCODING_RE.match(data[:256])
    if declared is not None:
        names.append(declared.group(1).decode("ascii"))
    return names


def has_entity_declaration(data: bytes) -> bool:
    """True when the document declares an entity, in whatever encoding it is written.

    The bytes are read as they are, without NUL bytes (UTF-16/32 of ASCII text), and decoded
    with the encoding their byte order mark, first bytes or XML declaration name.
    """
    if _ENTITY_DECL_RE.search(data) or _ENTITY_DECL_RE.search(data.replace(b"\x00", b"")):
        return True
    for name in _declared_encodings(data):
        try:
            text = data.decode(name, errors="replace")
        except LookupError:
            continue
        if "<!entity" in text.lower():
            return True
    return False


def _declares_entities(root: etree._Element) -> bool:
    """True when the parsed document's internal DTD declares any entity (encoding-proof)."""
    try:
        dtd = root.getroottree().docinfo.internalDTD
    except (AttributeError, ValueError):
        return False
    return dtd is not None and any(True for _ in dtd.iterentities())


def looks_like_html(data: bytes) -> bool:
    return bool(_HTML_START_RE.match(data[:4096]))


def _parser(*, recover: bool = False) -> etree.XMLParser:
    # Entity expansion, DTD loading and network access are all off; huge_tree off keeps lxml's
    # own depth and text-size limits in force.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        recover=recover,
    )


def parse_xml(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> etree._Element:
    """Parse bytes as XML safely, or raise InputError with a short reason.

    Entity declarations are refused outright (billion laughs, external entities); a document
    whose declared encoding does not fit its bytes is retried with a guessed one (guess_text).
    """
    if len(data) > max_bytes:
        raise InputError(f"too large: {len(data)} bytes (limit {max_bytes})")
    if not data.strip():
        raise InputError("empty document")
    if has_entity_declaration(data):
        raise InputError(ENTITY_REFUSAL)
    if looks_like_html(data):
        raise InputError("this is an HTML page, not a feed")
    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as exc:
        message = str(exc)
        if "encoding" in message.lower() or "utf-8" in message.lower() or "bytes" in message:
            root = _retry_with_guessed_encoding(data, message)
        else:
            raise InputError(f"malformed XML: {message[:200]}") from None
    except (ValueError, etree.LxmlError) as exc:
        raise InputError(f"malformed XML: {str(exc)[:200]}") from None
    if root is None:
        raise InputError("malformed XML: no root element")
    if _declares_entities(root):
        raise InputError(ENTITY_REFUSAL)
    return root


_DECL_RE = re.compile(rb"^\s*<\?xml[^>]*\?>")


def parse_xml_lenient(
    data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> tuple[etree._Element, str | None]:
    """Like parse_xml, but a syntax error is recovered from where lxml can (with a warning).

    Real MyJVN answers sometimes carry a broken attribute after all the items; keeping the
    items that parsed is better than losing the whole page. Entities stay refused.
    """
    try:
        return parse_xml(data, max_bytes=max_bytes), None
    except InputError as exc:
        message = str(exc)
        if not message.startswith("malformed XML"):
            raise
    try:
        root = etree.fromstring(data, parser=_parser(recover=True))
    except (etree.XMLSyntaxError, ValueError, etree.LxmlError):
        root = None
    if root is None:
        raise InputError(message)
    if _declares_entities(root):
        raise InputError(ENTITY_REFUSAL)
    return root, f"recovered from {message}"


def recover_xml(data: bytes) -> etree._Element | None:
    """lxml's recovering parse of a document the strict parser refused, or None.

    Call only after parse_xml refused the document as malformed (never for entity
    declarations, which stay refused).
    """
    if has_entity_declaration(data):
        return None
    for attempt in (data, None):
        if attempt is None:
            attempt = guess_text(_DECL_RE.sub(b"", data, count=1)).encode("utf-8")
        try:
            root = etree.fromstring(attempt, parser=_parser(recover=True))
        except (etree.XMLSyntaxError, ValueError, etree.LxmlError):
            root = None
        if root is not None:
            return None if _declares_entities(root) else root
    return None


_HALFWIDTH_KANA_RE = re.compile("[\uff61-\uff9f]")
_CJK_RE = re.compile("[\u3040-\u30ff\u4e00-\u9fff]")


def guess_text(data: bytes) -> str:
    """Decode bytes whose declared encoding was wrong (or missing).

    Japanese sites still send Shift_JIS / EUC-JP under a UTF-8 label; old Western feeds send
    Windows-1252. A Japanese decoding is accepted only when it yields Japanese script and no
    half-width katakana, which is what Latin-1 bytes misread as Shift_JIS look like.
    """
    for encoding in ("utf-8", "cp932", "euc_jp"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "utf-8" or (_CJK_RE.search(text) and not _HALFWIDTH_KANA_RE.search(text)):
            return text
    return data.decode("cp1252", errors="replace")


def _retry_with_guessed_encoding(data: bytes, first_error: str) -> etree._Element:
    text = guess_text(_DECL_RE.sub(b"", data, count=1))
    try:
        root = etree.fromstring(text.encode("utf-8"), parser=_parser())
    except (etree.XMLSyntaxError, ValueError, etree.LxmlError):
        raise InputError(f"malformed XML: {first_error[:200]}") from None
    if root is None:
        raise InputError("malformed XML: no root element")
    return root


_LOCAL_NAMES: dict[str, str] = {}


def local_name(element: etree._Element) -> str:
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    name = _LOCAL_NAMES.get(tag)
    if name is None:
        # Feeds use a handful of distinct tags: remembering them saves a split per element.
        name = tag.rsplit("}", 1)[-1] if tag.startswith("{") else tag
        if len(_LOCAL_NAMES) < 4096:
            _LOCAL_NAMES[tag] = name
    return name


def namespace(element: etree._Element) -> str:
    tag = element.tag
    if isinstance(tag, str) and tag.startswith("{"):
        return tag[1:].split("}", 1)[0]
    return ""


def element_text(element: etree._Element | None) -> str:
    """All text inside an element (children included), stripped."""
    if element is None:
        return ""
    if len(element) == 0:  # a leaf (most feed fields): its text is all its text
        text = element.text
        return text.strip() if text else ""
    return "".join(element.itertext()).strip()


def normalise_cve(value: str) -> str:
    match = CVE_RE.search(value or "")
    return f"CVE-{match.group(1)}-{match.group(2)}" if match else ""


def normalise_jvndb(value: str) -> str:
    match = JVNDB_RE.search(value or "")
    return f"JVNDB-{match.group(1)}-{match.group(2)}" if match else ""


def load_json(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> object:
    """json.loads with a size cap; bad or too-deep JSON raises InputError."""
    import json

    if len(data) > max_bytes:
        raise InputError(f"too large: {len(data)} bytes (limit {max_bytes})")
    try:
        return json.loads(data)
    except RecursionError:
        raise InputError("JSON nested too deeply") from None
    except (ValueError, TypeError) as exc:
        raise InputError(f"malformed JSON: {str(exc)[:200]}") from None


def as_list(value: object) -> list:
    return value if isinstance(value, list) else []


def as_dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def as_str(value: object, *, limit: int = MAX_TEXT_CHARS) -> str:
    if isinstance(value, str):
        return value.strip()[:limit]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""


def as_score(value: object) -> float | None:
    try:
        score = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return None
    return score if 0.0 <= score <= 10.0 else None


def criterion_from_cpe(text: str, *, vulnerable: bool = True):  # -> MatchCriterion | None
    """A match criterion for a CPE name in either binding (2.2 URI or 2.3), or None if invalid."""
    from mamori.intel.matching.cpe import Cpe, CpeError
    from mamori.intel.model import MatchCriterion

    try:
        cpe = Cpe.parse(text)
    except CpeError:
        return None
    return MatchCriterion(cpe23=cpe.format(), vulnerable=vulnerable)
