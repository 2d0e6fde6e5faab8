"""Outlook .msg (OLE compound file, MS-OXMSG) → RFC 822 bytes the rest of the engine reads.

Only what the checks need is carried over: the original Internet headers when Outlook kept them
(PR_TRANSPORT_MESSAGE_HEADERS), otherwise subject and sender from the MAPI properties; the plain
and HTML bodies; and the attachments with their names.
"""

from __future__ import annotations

import email.parser
import email.policy
import io
from email.header import Header
from email.mime.application import MIMEApplication
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

from .model import Limits

SUBJECT = "0037"
SENDER_NAME = "0C1A"
SENDER_EMAIL = "0C1F"
SENDER_SMTP = "5D01"
SENT_REPR_NAME = "0042"
SENT_REPR_EMAIL = "0065"
DISPLAY_TO = "0E04"
BODY = "1000"
HTML = "1013"
HEADERS = "007D"
MESSAGE_ID = "1035"
ATTACH_LONG_NAME = "3707"
ATTACH_NAME = "3704"
ATTACH_DATA = "3701"
ATTACH_MIME = "370E"
MAX_EMBED_DEPTH = 3
SKIP_TRANSPORT_HEADERS = frozenset({"content-type", "content-transfer-encoding", "mime-version"})


class _Reader:
    def __init__(self, ole: object, prefix: str, cap: int) -> None:
        self.ole = ole
        self.prefix = prefix
        self.cap = cap

    def raw(self, prop: str, kind: str) -> bytes | None:
        path = f"{self.prefix}__substg1.0_{prop}{kind}"
        try:
            if not self.ole.exists(path):  # type: ignore[attr-defined]
                return None
            with self.ole.openstream(path) as stream:  # type: ignore[attr-defined]
                return stream.read(self.cap)
        except Exception:
            return None

    def text(self, prop: str) -> str:
        data = self.raw(prop, "001F")
        if data is not None:
            return data.decode("utf-16-le", errors="replace").rstrip("\x00")
        data = self.raw(prop, "001E")
        if data is not None:
            data = data.rstrip(b"\x00")
            for codec in ("utf-8", "cp932"):
                try:
                    return data.decode(codec)
                except UnicodeDecodeError:
                    continue
            return data.decode("latin-1")
        return ""

    def binary(self, prop: str) -> bytes | None:
        return self.raw(prop, "0102")


def msg_to_eml(raw: bytes, limits: Limits) -> bytes | None:
    """The .msg as RFC 822 bytes, or None when it is not a readable Outlook message."""
    import olefile

    try:
        ole = olefile.OleFileIO(io.BytesIO(raw))
    except Exception:
        return None
    try:
        return _convert(ole, limits)
    except Exception:  # damaged compound files end up as "unreadable"
        return None
    finally:
        ole.close()


def _convert(ole: object, limits: Limits) -> bytes | None:
    top = _Reader(ole, "", limits.max_attachment_scan_bytes)
    if not (top.text(SUBJECT) or top.text(HEADERS) or top.text(BODY) or top.binary(HTML)):
        streams = ole.listdir()  # type: ignore[attr-defined]
        if not any(s and s[0].startswith("__substg1.0_") for s in streams):
            return None
    message = _message(ole, "", limits, depth=0)
    return message.as_bytes() if message is not None else None


def _message(ole: object, prefix: str, limits: Limits, depth: int) -> MIMEMultipart | None:
    """One message at `prefix`: the top one, or an attached Outlook item (embedded storage)."""
    top = _Reader(ole, prefix, limits.max_attachment_scan_bytes)
    subject = top.text(SUBJECT)
    headers = top.text(HEADERS)
    body = top.text(BODY)
    html_bytes = top.binary(HTML)
    html = top.text(HTML) if html_bytes is None else _decode_html(html_bytes)
    outer = MIMEMultipart("mixed")
    if headers:
        parsed = email.parser.HeaderParser(policy=email.policy.compat32).parsestr(
            headers[: limits.max_header_bytes]
        )
        for name, value in parsed.items():
            if name.lower() not in SKIP_TRANSPORT_HEADERS:
                outer[name] = value
    if "Subject" not in outer:
        outer["Subject"] = Header(subject, "utf-8").encode()
    if "From" not in outer:
        name = top.text(SENDER_NAME) or top.text(SENT_REPR_NAME)
        addr = top.text(SENDER_SMTP) or top.text(SENDER_EMAIL) or top.text(SENT_REPR_EMAIL)
        if name or addr:
            display = Header(name, "utf-8").encode() if name else ""
            outer["From"] = f"{display} <{addr}>" if addr else display
    if "To" not in outer and top.text(DISPLAY_TO):
        outer["To"] = Header(top.text(DISPLAY_TO), "utf-8").encode()
    if "Message-ID" not in outer and top.text(MESSAGE_ID):
        outer["Message-ID"] = top.text(MESSAGE_ID)
    alternative = MIMEMultipart("alternative")
    if body:
        alternative.attach(MIMEText(body, "plain", "utf-8"))
    if html:
        alternative.attach(MIMEText(html, "html", "utf-8"))
    outer.attach(alternative)
    for index, storage in enumerate(_attachment_storages(ole, prefix)):
        if index >= limits.max_parts:
            break
        reader = _Reader(ole, storage, limits.max_attachment_scan_bytes)
        embedded = f"{storage}__substg1.0_{ATTACH_DATA}000D/"
        if _is_storage(ole, embedded):
            # "Forward as attachment" in Outlook embeds the original item, not a file.
            if depth < MAX_EMBED_DEPTH:
                inner = _message(ole, embedded, limits, depth + 1)
                if inner is not None:
                    outer.attach(MIMEMessage(inner))
            continue
        data = reader.binary(ATTACH_DATA)
        if data is None:
            continue
        filename = reader.text(ATTACH_LONG_NAME) or reader.text(ATTACH_NAME) or "attachment"
        mime = reader.text(ATTACH_MIME) or "application/octet-stream"
        maintype, _, subtype = mime.partition("/")
        part = MIMEApplication(data, _subtype=subtype or "octet-stream")
        if maintype and maintype != "application":
            part.replace_header("Content-Type", f"{maintype}/{subtype}")
        part.add_header("Content-Disposition", "attachment", filename=("utf-8", "", filename))
        outer.attach(part)
    return outer


def _is_storage(ole: object, path: str) -> bool:
    try:
        return ole.get_type(path.rstrip("/")) == 1  # type: ignore[attr-defined]  # STGTY_STORAGE
    except Exception:
        return False


def _decode_html(data: bytes) -> str:
    data = data.rstrip(b"\x00")
    for codec in ("utf-8", "cp932"):
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _attachment_storages(ole: object, prefix: str = "") -> list[str]:
    """Attachment storages directly under `prefix` ("" for the top message)."""
    depth = prefix.count("/")
    found: set[str] = set()
    try:
        entries = ole.listdir(streams=True, storages=False)  # type: ignore[attr-defined]
    except Exception:
        return []
    for entry in entries:
        path = "/".join(entry)
        if not path.startswith(prefix) or len(entry) < depth + 2:
            continue
        name = entry[depth]
        if name.startswith("__attach_version1.0_"):
            found.add(prefix + name + "/")
    return sorted(found)
