"""From a mail a staff member forwarded to the check address, recover the doubted original(s).

Order of preference: attached messages (message/rfc822 parts, .eml and .msg attachments), then
an inline forward reconstructed from the "Forwarded message" block (Gmail, Outlook, Thunderbird,
Japanese clients), and otherwise the forwarded mail itself, so that something is always checked.
"""

from __future__ import annotations

import email
import re
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

from .engine.html import digest_html
from .engine.model import Limits
from .engine.msg import msg_to_eml
from .engine.parse import OLE_MAGIC, decode_bytes, decode_header_value

MAX_ORIGINALS = 10
MAX_PARTS = 200
MAX_FORWARD_BYTES = 40 * 1024 * 1024

FORWARD_MARKERS = re.compile(
    r"^[ \t>]*(?:-{2,}\s*(?:Forwarded message|Original Message|転送(?:された)?メッセージ|元のメッセージ|"
    r"転送メール|オリジナルメッセージ)\s*-{2,}|Begin forwarded message:|"
    r"-{5,}\s*Forwarded by)",
    re.IGNORECASE | re.MULTILINE,
)
HEADER_NAMES: dict[str, str] = {
    "from": "From",
    "差出人": "From",
    "送信者": "From",
    "送信元": "From",
    "to": "To",
    "宛先": "To",
    "cc": "Cc",
    "subject": "Subject",
    "件名": "Subject",
    "date": "Date",
    "sent": "Date",
    "日付": "Date",
    "日時": "Date",
    "送信日時": "Date",
    "reply-to": "Reply-To",
    "返信先": "Reply-To",
}
HEADER_LINE = re.compile(r"^[ \t>]*([^:：\n]{1,20})[:：][ \t]*(.*)$")


def extract_forwarded(raw: bytes) -> list[bytes]:
    """The doubted original mail(s) inside a forwarded mail; never empty, never raises."""
    if raw.startswith(OLE_MAGIC):
        # An Outlook .msg forward: convert it so that an attached Outlook item is found too.
        converted = msg_to_eml(raw[:MAX_FORWARD_BYTES], Limits())
        if converted is None:
            return [raw]
        found = extract_forwarded(converted)
        return [raw] if found == [converted] else found
    try:
        msg = email.message_from_bytes(raw[:MAX_FORWARD_BYTES])
    except Exception:
        return [raw]
    try:
        attached = _attached_messages(msg)
        if attached:
            return attached[:MAX_ORIGINALS]
        inline = _inline_forward(msg)
        if inline is not None:
            return [inline]
    except Exception:  # a malformed forward is still checked as it is
        return [raw]
    return [raw]


def _walk(msg: Message) -> list[tuple[Message, bool]]:
    """Parts in order, each with whether it is itself an attached message (not descended)."""
    out: list[tuple[Message, bool]] = []
    stack: list[tuple[Message, int]] = [(msg, 0)]
    while stack and len(out) < MAX_PARTS:
        part, depth = stack.pop()
        ctype = part.get_content_type()
        if ctype == "message/rfc822" and depth > 0:
            out.append((part, True))
            continue
        if part.is_multipart() and depth < 20:
            children = [p for p in part.get_payload() if isinstance(p, Message)]
            stack.extend((child, depth + 1) for child in reversed(children))
            continue
        out.append((part, False))
    return out


def _attached_messages(msg: Message) -> list[bytes]:
    found: list[bytes] = []
    for part, is_message in _walk(msg):
        if is_message:
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                found.append(inner[0].as_bytes())
            continue
        name = decode_header_value(part.get_filename() or "").lower()
        if name.endswith((".eml", ".msg")) or part.get_content_type() in {
            "application/vnd.ms-outlook",
        }:
            data = part.get_payload(decode=True)
            if isinstance(data, bytes) and data:
                if data.startswith(OLE_MAGIC) or b":" in data[:2000]:
                    found.append(data)
    return found


def _body(msg: Message) -> tuple[str, str]:
    plain, html = "", ""
    for part, is_message in _walk(msg):
        if is_message or part.get_filename():
            continue
        ctype = part.get_content_type()
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes):
            continue
        text = decode_bytes(data, part.get_content_charset())
        if ctype == "text/plain" and not plain:
            plain = text
        elif ctype == "text/html" and not html:
            html = text
    return plain, html


def _header_block(lines: list[str]) -> tuple[dict[str, str], int]:
    """Headers at the top of `lines` (From:/差出人: …) and the index where the body starts."""
    headers: dict[str, str] = {}
    index = 0
    while index < len(lines) and index < 30:
        line = lines[index]
        if not line.strip(" \t>"):
            index += 1
            if headers:
                break
            continue
        match = HEADER_LINE.match(line)
        key = HEADER_NAMES.get(match.group(1).strip().lower()) if match else None
        if match is None or key is None:
            break
        headers.setdefault(key, match.group(2).strip())
        index += 1
    return headers, index


def _find_forward(text: str) -> tuple[dict[str, str], list[str]] | None:
    marker = FORWARD_MARKERS.search(text)
    if marker is not None:
        rest = text[marker.end() :].lstrip("\r\n").splitlines()
        headers, index = _header_block(rest)
        if "From" in headers:
            return headers, rest[index:]
    # Outlook often writes no marker, only a rule and a From/Sent/To/Subject block.
    lines = text.splitlines()
    for start, line in enumerate(lines[:2000]):
        match = HEADER_LINE.match(line)
        if match and HEADER_NAMES.get(match.group(1).strip().lower()) == "From":
            headers, index = _header_block(lines[start:])
            if "From" in headers and "Subject" in headers:
                return headers, lines[start + index :]
    return None


def _inline_forward(msg: Message) -> bytes | None:
    plain, html = _body(msg)
    text = plain or (digest_html(html, 500).text if html else "")
    found = _find_forward(text)
    if found is None:
        return None
    headers, rest = found
    body = "\n".join(line.lstrip(">").lstrip() if line.startswith(">") else line for line in rest)
    original = MIMEMultipart("alternative")
    for key, value in headers.items():
        original[key] = _header_safe(value)
    original.attach(MIMEText(body, "plain", "utf-8"))
    if html:
        # Keep the forwarded HTML so that its links (and their visible text) are checked too.
        original.attach(MIMEText(html, "html", "utf-8"))
    for part, _is_message in _walk(msg):
        if part.get_filename():
            original.attach(part)
    return original.as_bytes()


def _header_safe(value: str) -> str:
    from email.header import Header

    value = value.replace("\r", " ").replace("\n", " ")[:2000]
    if value.isascii():
        return value
    # Keep "<address>" readable by address parsers: encode only the display part.
    match = re.match(r"^(.*?)\s*[<＜]([^<>＜＞\s]+@[^<>＜＞\s]+)[>＞]\s*$", value)
    if match:
        name = Header(match.group(1).strip().strip('"'), "utf-8").encode()
        return f"{name} <{match.group(2)}>"
    return Header(value, "utf-8").encode()
