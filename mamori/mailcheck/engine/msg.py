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
    subject = top.text(SUBJECT)
    headers = top.text(HEADERS)
    body = top.text(BODY)
    html_bytes = top.binary(HTML)
    html = top.text(HTML) if html_bytes is None else _decode_html(html_bytes)
    if not (subject or headers or body or html):
        streams = ole.listdir()  # type: ignore[attr-defined]
        if not any(s and s[0].startswith("__substg1.0_") for s in streams):
            return None
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
    for index, prefix in enumerate(_attachment_storages(ole)):
        if index >= limits.max_parts:
            break
        reader = _Reader(ole, prefix, limits.max_attachment_scan_bytes)
        data = reader.binary(ATTACH_DATA)
        if data is None:
            continue
        filename = reader.text(ATTACH_LONG_NAME) or reader.text(ATTACH_NAME) or "attachment"
        maintype, _, subtype = (reader.text(ATTACH_MIME) or "application/octet-stream").partition(
            "/"
        )
        part = MIMEApplication(data, _subtype=subtype or "octet-stream")
        if maintype and maintype != "application":
            part.replace_header("Content-Type", f"{maintype}/{subtype}")
        part.add_header("Content-Disposition", "attachment", filename=("utf-8", "", filename))
        outer.attach(part)
    return outer.as_bytes()


def _decode_html(data: bytes) -> str:
    data = data.rstrip(b"\x00")
    for codec in ("utf-8", "cp932"):
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _attachment_storages(ole: object) -> list[str]:
    found: set[str] = set()
    try:
        entries = ole.listdir(streams=True, storages=False)  # type: ignore[attr-defined]
    except Exception:
        return []
    for entry in entries:
        if len(entry) >= 2 and entry[0].startswith("__attach_version1.0_"):
            found.add(entry[0] + "/")
    return sorted(found)
