"""Raw bytes → the parts the checks look at, within caps, never raising on bad input.

Parsing uses the standard library's compat32 policy (the fastest) and decodes only the headers
we need, with Japanese charset aliases that cover the real-world variants (CP932 for Shift_JIS,
the ISO-2022-JP extension for half-width kana).
"""

from __future__ import annotations

import binascii
import email
import email.parser
import email.utils
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.header import decode_header
from email.message import Message

from .attachments import MACRO_EXT, OFFICE_EXT, OTHER_ARCHIVE_EXT, ZIP_EXT, ZIP_MAGIC, extension
from .html import HtmlDigest, digest_html
from .model import Limits

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
SNIFF_ABOVE = 1024 * 1024  # base64 characters
SNIFF_CHARS = 8192
INSPECTED_EXT = OFFICE_EXT | MACRO_EXT | ZIP_EXT | OTHER_ARCHIVE_EXT

CHARSET_ALIASES: dict[str, str] = {
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "windows-31j": "cp932",
    "ms_kanji": "cp932",
    "iso-2022-jp": "iso2022_jp_ext",
    "iso2022jp": "iso2022_jp_ext",
    "csiso2022jp": "iso2022_jp_ext",
    "iso-2022-jp-ms": "iso2022_jp_ext",
    "euc-jp": "euc_jis_2004",
    "x-euc-jp": "euc_jis_2004",
    "eucjp": "euc_jis_2004",
    "unknown-8bit": "utf-8",
    "us-ascii": "utf-8",
    "ascii": "utf-8",
}
MAX_SUBJECT_CHARS = 2000
FALLBACK_CHARSETS = ("utf-8", "cp932", "euc_jis_2004", "iso2022_jp_ext")


def codec_for(charset: str | None) -> str:
    name = (charset or "utf-8").strip().strip('"').lower()
    return CHARSET_ALIASES.get(name, name)


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Decode with the declared charset; unknown or wrong charsets fall back to guesses."""
    codec = codec_for(charset)
    try:
        return data.decode(codec)
    except (LookupError, UnicodeDecodeError):
        pass
    if b"\x1b$" in data:  # ISO-2022-JP escape sequences without a declared charset
        try:
            return data.decode("iso2022_jp_ext")
        except UnicodeDecodeError:
            pass
    for fallback in FALLBACK_CHARSETS:
        try:
            return data.decode(fallback)
        except UnicodeDecodeError:
            continue
    try:
        return data.decode(codec, errors="replace")
    except LookupError:
        return data.decode("utf-8", errors="replace")


def decode_header_value(value: object) -> str:
    """RFC 2047 encoded words and raw 8-bit bytes → text; never raises."""
    if value is None:
        return ""
    text = str(value)
    try:
        if any("\udc80" <= ch <= "\udcff" for ch in text):
            # Raw 8-bit header bytes, kept by the parser as surrogate escapes.
            return decode_bytes(text.encode("ascii", "surrogateescape"), None)
        chunks = decode_header(text)
    except Exception:  # malformed headers must not stop the analysis
        return text
    out: list[str] = []
    for chunk, charset in chunks:
        if isinstance(chunk, bytes):
            out.append(decode_bytes(chunk, charset))
        else:
            out.append(chunk)
    joined = "".join(out)
    return re.sub(r"\s*\r?\n\s*", " ", joined).strip()


@dataclass
class Attachment:
    name: str
    content_type: str
    data: bytes
    size: int
    truncated: bool = False


@dataclass
class Address:
    display: str
    address: str

    @property
    def domain(self) -> str:
        return self.address.rpartition("@")[2].lower() if "@" in self.address else ""


@dataclass
class ParsedMail:
    subject: str = ""
    from_header: str = ""
    sender: Address = field(default_factory=lambda: Address("", ""))
    reply_to: list[Address] = field(default_factory=list)
    return_path: str = ""
    date_text: str = ""
    date: datetime | None = None
    message_id: str = ""
    auth_results: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    html: list[HtmlDigest] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    limits_hit: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    header_count: int = 0
    # Delivery reports and other automatic mail (bounces, feedback reports, auto-replies).
    report_kind: str = ""
    original: bytes = b""  # the returned original mail (or its headers) inside a report
    recipients: list[str] = field(default_factory=list)  # To / Cc addresses
    is_list: bool = False  # sent through a mailing list or as bulk mail (List-Id, Precedence)
    is_bulk: bool = False  # a list, or a newsletter with List-Unsubscribe


def parse_addresses(value: str) -> list[Address]:
    if any("\udc80" <= ch <= "\udcff" for ch in value):
        # Raw 8-bit (e.g. Shift_JIS) header: decode first, since bytes such as 0x5B ("[")
        # inside a multi-byte character would otherwise confuse the address parser.
        value = decode_header_value(value)
    try:
        pairs = email.utils.getaddresses([value])
    except Exception:
        return []
    return [
        Address(decode_header_value(name), decode_header_value(addr).strip().lower())
        for name, addr in pairs
    ]


def _raw_headers(msg: Message, name: str) -> list[str]:
    """Header values as received. compat32's get() turns raw 8-bit bytes into U+FFFD; the raw
    values keep them as surrogate escapes, which decode_header_value can still decode."""
    wanted = name.lower()
    try:
        return [str(v) for k, v in msg.raw_items() if k.lower() == wanted]
    except Exception:
        return []


def _header(msg: Message, name: str, limit: int) -> str:
    values = _raw_headers(msg, name)
    return decode_header_value(values[0][:limit]) if values else ""


def _filename(part: Message) -> str:
    try:
        name = part.get_filename()
    except Exception:
        name = None
    if not name:
        try:
            name = part.get_param("name")
            if isinstance(name, tuple):
                name = email.utils.collapse_rfc2231_value(name)
        except Exception:
            name = None
    return decode_header_value(name) if name else ""


LEADING_JUNK = re.compile(rb"\A(?:\xef\xbb\xbf)?(?:[ \t]*\r?\n)*")
# Obsolete syntax (RFC 5322 §4.5): white space before the colon, as in "From  : x". The parser
# would read "From  :" as an mbox separator line and lose the header.
OBS_HEADER = re.compile(rb"(?m)^([!-9;-~]+)[ \t]+:")
HEADER_END = re.compile(rb"\r?\n\r?\n")


def clean_head(raw: bytes) -> bytes:
    """Drop a byte-order mark and blank lines before the headers; repair "Name  :" headers."""
    match = LEADING_JUNK.match(raw)
    if match is not None and match.end():
        raw = raw[match.end() :]
    end = HEADER_END.search(raw)
    head, body = (raw[: end.start()], raw[end.start() :]) if end else (raw, b"")
    if b" :" in head or b"\t:" in head:
        head = OBS_HEADER.sub(rb"\1:", head)
    return head + body


def parse_message(raw: bytes, limits: Limits) -> ParsedMail:
    mail = ParsedMail()
    if len(raw) > limits.max_message_bytes:
        mail.limits_hit.append(f"message size {len(raw)} > {limits.max_message_bytes} bytes")
        raw = raw[: limits.max_message_bytes]
    raw = clean_head(raw)
    try:
        msg = email.message_from_bytes(raw)
    except Exception as exc:  # RecursionError on absurd nesting, among others
        mail.problems.append(f"parse error: {type(exc).__name__}")
        mail.limits_hit.append(
            f"MIME structure beyond what the parser handles ({type(exc).__name__})"
        )
        try:
            # The headers alone still allow the sender checks.
            headers = email.parser.BytesParser().parsebytes(
                raw[: limits.max_header_bytes], headersonly=True
            )
        except Exception:
            return mail
        _read_headers(mail, headers, limits)
        return mail
    if getattr(msg, "defects", None):
        mail.problems.extend(type(d).__name__ for d in msg.defects[:5])
    _read_headers(mail, msg, limits)
    _read_parts(mail, msg, limits)
    try:
        structured = msg.get_content_type() == "multipart/report"
    except Exception:
        structured = False
    certain = structured or mail.report_kind == "delivery-certain"
    if mail.report_kind == "delivery-certain":
        mail.report_kind = "delivery"
    if mail.report_kind == "delivery" and not mail.original and mail.text:
        mail.original = _inline_original(mail.text[0])
    if mail.report_kind == "delivery" and not mail.original and not certain:
        mail.report_kind = ""  # a plain-text "bounce" that quotes nothing: judged as a mail
    return mail


def _read_headers(mail: ParsedMail, msg: Message, limits: Limits) -> None:
    cap = limits.max_header_bytes
    try:
        mail.header_count = len(msg.keys())
    except Exception:
        mail.header_count = 0
    mail.subject = _header(msg, "Subject", cap)[:MAX_SUBJECT_CHARS]
    from_raw = (_raw_headers(msg, "From") or [""])[0][:cap]
    addrs = parse_addresses(from_raw)
    mail.from_header = decode_header_value(from_raw)
    if addrs:
        mail.sender = addrs[0]
        if addrs[0].address:
            # Rebuilt from the parsed parts: decoding joins encoded words and "<addr>" oddly.
            display = addrs[0].display
            mail.from_header = f"{display} <{addrs[0].address}>" if display else addrs[0].address
    for name in ("To", "Cc"):
        for value in _raw_headers(msg, name)[:3]:
            mail.recipients.extend(a.address for a in parse_addresses(value[:cap]) if a.address)
    mail.recipients = mail.recipients[:50]
    reply_to = (_raw_headers(msg, "Reply-To") or [""])[0][:cap]
    mail.reply_to = [a for a in parse_addresses(reply_to) if a]
    mail.return_path = _header(msg, "Return-Path", cap).strip("<> ").lower()
    mail.date_text = _header(msg, "Date", cap)
    if mail.date_text:
        try:
            mail.date = email.utils.parsedate_to_datetime(mail.date_text)
        except (TypeError, ValueError, IndexError, OverflowError):
            mail.date = None
    mail.message_id = _header(msg, "Message-ID", cap)
    results = _raw_headers(msg, "Authentication-Results")
    # Only the topmost header was added by our own receiving server; lower ones can be forged.
    mail.auth_results = [decode_header_value(str(r)[:cap]) for r in results[:1]]
    mail.report_kind = _report_kind(msg, mail)
    precedence = " ".join(_raw_headers(msg, "Precedence")).lower()
    mail.is_list = any(
        _raw_headers(msg, name)
        for name in ("List-Id", "List-Post", "Mailing-List", "X-Mailman-Version")
    ) or any(word in precedence for word in ("list", "bulk"))
    mail.is_bulk = mail.is_list or bool(_raw_headers(msg, "List-Unsubscribe"))


REPORT_SENDER = re.compile(r"^(mailer-daemon|postmaster|mail-daemon|mailerdaemon|bounces?)@", re.I)
REPORT_SUBJECT = re.compile(
    r"undeliver|delivery (status|failure|has failed|notification)|returned mail|failure notice|"
    r"mail delivery (failed|failure|system)|delivery report|non-?delivery|nondeliverable|"
    r"could not be delivered|rejected:|warning: could not send|delayed mail|"
    r"配信(不能|エラー|できません|失敗|状態)|不達|送信エラー|エラーメール",
    re.I,
)
AUTO_REPLY_SUBJECT = re.compile(
    r"out of (the )?office|automatic reply|auto(matic)?[- ]?(reply|response)|abwesenheit|"
    r"absence|vacation|自動返信|自動応答|不在",
    re.I,
)
REPORT_TYPES = frozenset(
    {
        "message/delivery-status",
        "message/global-delivery-status",
        "message/feedback-report",
        "message/disposition-notification",
    }
)
# Where a plain-text bounce starts quoting the returned mail.
ORIGINAL_MARKERS = re.compile(
    rb"(?im)^[ \t>-]*(?:-{2,}[ \t]*)?(?:this is a copy of the message|below this line is a copy|"
    rb"original message follows|returned message follows|the original message was received|"
    rb"unsent message below|undelivered message|original message headers?|"
    rb"\xe5\x8e\x9f\xe6\x96\x87)[^\n]*\n"
)


def _report_kind(msg: Message, mail: ParsedMail) -> str:
    """'delivery', 'feedback', 'auto-reply' or '' from the headers and the top content type.

    Phishing often poses as a mail server ("Undelivered messages for you@example.com") or as
    postmaster, so a plain-text mail counts as a report only when two independent marks agree
    (a report subject and a server sender, an Auto-Submitted header or an empty Return-Path);
    parse_message() further requires the returned original to be found in it.
    """
    try:
        ctype = msg.get_content_type()
        report_type = str(msg.get_param("report-type") or "").lower()
    except Exception:
        ctype, report_type = "", ""
    if ctype == "multipart/report":
        return "feedback" if "feedback" in report_type else "delivery"
    auto = " ".join(_raw_headers(msg, "Auto-Submitted")).lower()
    subject = mail.subject
    server_sender = bool(REPORT_SENDER.match(mail.sender.address))
    null_path = bool(_raw_headers(msg, "Return-Path")) and not mail.return_path
    if REPORT_SUBJECT.search(subject) and server_sender and (auto.startswith("auto-") or null_path):
        return "delivery-certain"  # three marks: a report even without the quoted original
    if REPORT_SUBJECT.search(subject) and (server_sender or auto.startswith("auto-") or null_path):
        return "delivery"
    if auto.startswith("auto-replied") and AUTO_REPLY_SUBJECT.search(subject):
        return "auto-reply"
    return ""


def _inline_original(text: str) -> bytes:
    """The returned mail quoted in a plain-text bounce, from the line that introduces it."""
    data = text.encode("utf-8", "replace")
    match = ORIGINAL_MARKERS.search(data)
    if match is None:
        return b""
    rest = data[match.end() :].lstrip(b"\r\n")
    while rest.startswith((b"---", b"\r\n", b"\n")):  # Exim: "------ The body ... long"
        rest = rest.partition(b"\n")[2]
    return rest if re.match(rb"[!-9;-~]+:", rest) else b""


def _read_parts(mail: ParsedMail, msg: Message, limits: Limits) -> None:
    stack: list[tuple[Message, int]] = [(msg, 0)]
    seen = 0
    html_budget = limits.max_html_bytes
    text_budget = limits.max_text_chars
    while stack:
        part, depth = stack.pop()
        seen += 1
        if seen > limits.max_parts:
            mail.limits_hit.append(f"more than {limits.max_parts} MIME parts")
            return
        if depth > limits.max_mime_depth:
            mail.limits_hit.append(f"MIME nesting deeper than {limits.max_mime_depth}")
            continue
        try:
            ctype = part.get_content_type()
        except Exception:
            ctype = "application/octet-stream"
        if mail.report_kind and depth >= 1 and not mail.original:
            original = _report_original(part, ctype)
            if original is not None:
                mail.original = original[: limits.max_attachment_scan_bytes]
                continue
        if ctype in REPORT_TYPES:
            if not mail.report_kind:
                mail.report_kind = "feedback" if "feedback" in ctype else "delivery"
            continue
        if part.is_multipart():
            payload = part.get_payload()
            if isinstance(payload, list):
                children = [p for p in payload if isinstance(p, Message)]
                stack.extend((child, depth + 1) for child in reversed(children))
            continue
        name = _filename(part)
        try:
            disposition = (part.get_content_disposition() or "").lower()
        except Exception:
            disposition = ""
        is_body_text = (
            ctype in {"text/plain", "text/html"} and not name and disposition != ("attachment")
        )
        if is_body_text:
            data = _payload(part, limits.max_text_chars * 4)
            if data is None:
                continue
            text = decode_bytes(data, part.get_content_charset())
            if ctype == "text/html":
                chunk = text[:html_budget]
                html_budget -= len(chunk)
                if len(chunk) < len(text):
                    mail.limits_hit.append(f"HTML body beyond {limits.max_html_bytes} characters")
                if chunk:
                    digest = digest_html(chunk, limits.max_links)
                    mail.html.append(digest)
                    text_budget -= len(digest.text)
            else:
                chunk = text[: max(0, text_budget)]
                text_budget -= len(chunk)
                mail.text.append(chunk)
            continue
        raw_payload = part.get_payload()
        raw_len = len(raw_payload) if isinstance(raw_payload, str | bytes) else 0
        if raw_len > SNIFF_ABOVE and isinstance(raw_payload, str):
            head = _sniff(part, raw_payload, name)
            if head is not None:
                # A large file that is neither an archive nor an Office/OLE file: its first
                # bytes are all the checks read, so the rest is not decoded.
                mail.attachments.append(Attachment(name, ctype, head, raw_len * 3 // 4))
                continue
        # base64 grows data by 4/3: skip decoding what would exceed the scan cap anyway.
        if raw_len * 3 // 4 > limits.max_attachment_scan_bytes:
            mail.limits_hit.append(f"attachment {name or ctype} larger than the scan cap")
            mail.attachments.append(Attachment(name, ctype, b"", raw_len * 3 // 4, True))
            continue
        data = _payload(part, limits.max_attachment_scan_bytes) or b""
        mail.attachments.append(Attachment(name, ctype, data, len(data)))


def _report_original(part: Message, ctype: str) -> bytes | None:
    """The returned mail inside a report part, as bytes, or None for other parts."""
    try:
        if ctype in {"message/rfc822", "message/global"}:
            payload = part.get_payload()
            inner = payload[0] if isinstance(payload, list) and payload else None
            if isinstance(inner, Message):
                return inner.as_bytes()
            data = part.get_payload(decode=True)
            return data if isinstance(data, bytes) else b""
        if ctype in {"text/rfc822-headers", "message/rfc822-headers", "text/global-headers"}:
            data = part.get_payload(decode=True)
            return data if isinstance(data, bytes) else b""
    except Exception:
        return b""
    return None


def _sniff(part: Message, raw_payload: str, name: str) -> bytes | None:
    """The decoded first bytes of a large base64 attachment that needs no deeper look, or None."""
    if extension(name) in INSPECTED_EXT:
        return None
    if str(part.get("Content-Transfer-Encoding", "")).strip().lower() != "base64":
        return None
    chunk = "".join(raw_payload[: SNIFF_CHARS + 200].split())[:SNIFF_CHARS]
    try:
        head = binascii.a2b_base64(chunk[: len(chunk) // 4 * 4])
    except (binascii.Error, ValueError):
        return None
    if head.startswith((ZIP_MAGIC, OLE_MAGIC)):
        return None
    return head


def _payload(part: Message, cap: int) -> bytes | None:
    try:
        data = part.get_payload(decode=True)
    except Exception:
        return None
    if not isinstance(data, bytes):
        return None
    return data[:cap]
