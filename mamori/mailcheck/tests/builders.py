"""Building test mails and attachments in code: charsets, encodings, zips, Office look-alikes.

Nothing here is copied from elsewhere; Office files with real VBA come from the shared corpus at
test time only.
"""

from __future__ import annotations

import io
import struct
import zipfile
from email.header import Header
from email.mime.application import MIMEApplication
from email.mime.base import MIMEBase
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formatdate

import pyzipper

# Python codec names for the mail charsets Japanese offices send.
CODECS = {"iso-2022-jp": "iso2022_jp", "shift_jis": "cp932", "euc-jp": "euc_jp", "utf-8": "utf-8"}


def text_part(
    body: str, subtype: str = "plain", charset: str = "utf-8", cte: str = "base64"
) -> MIMEBase:
    """A text part in the given charset and transfer encoding (base64, quoted-printable, 7bit)."""
    data = body.encode(CODECS.get(charset, charset))
    part = MIMEBase("text", subtype)
    part.set_param("charset", charset)
    if cte == "base64":
        import base64

        part.set_payload(base64.encodebytes(data).decode("ascii"))
    elif cte == "quoted-printable":
        import quopri

        part.set_payload(quopri.encodestring(data).decode("ascii"))
    else:
        part.set_payload(data.decode("ascii", "surrogateescape"))
    part["Content-Transfer-Encoding"] = cte
    return part


def header(value: str, charset: str = "utf-8") -> str:
    if value.isascii():
        return value
    return Header(value, charset).encode()


def from_header(display: str, address: str, charset: str = "utf-8") -> str:
    if not display:
        return f"<{address}>"
    if display.isascii():
        return f'"{display}" <{address}>'
    return f"{header(display, charset)} <{address}>"


def build_mail(
    *,
    sender: tuple[str, str],
    subject: str,
    text: str | None = None,
    html: str | None = None,
    charset: str = "utf-8",
    cte: str = "base64",
    attachments: list[tuple[str, bytes, str]] | None = None,
    headers: dict[str, str] | None = None,
    date: str | None = None,
    to: str = "staff@our-office.co.jp",
) -> bytes:
    """A complete RFC 822 mail; attachments are (file name, data, MIME type)."""
    body_parts: list[MIMEBase] = []
    if text is not None:
        body_parts.append(text_part(text, "plain", charset, cte))
    if html is not None:
        body_parts.append(text_part(html, "html", charset, cte))
    if len(body_parts) == 1 and not attachments:
        msg: MIMEBase = body_parts[0]
    else:
        if len(body_parts) > 1:
            body: MIMEBase = MIMEMultipart("alternative")
            for part in body_parts:
                body.attach(part)
        else:
            body = body_parts[0] if body_parts else text_part("", "plain", charset, cte)
        msg = MIMEMultipart("mixed")
        msg.attach(body)
        for name, data, mime in attachments or []:
            maintype, _, subtype = mime.partition("/")
            part = MIMEApplication(data, _subtype=subtype)
            if maintype != "application":
                part.replace_header("Content-Type", mime)
            if name.isascii():
                part.add_header("Content-Disposition", "attachment", filename=name)
            else:
                # Japanese mailers still use RFC 2047 words in filename= (non-standard, common).
                part.add_header("Content-Disposition", "attachment")
                part.set_param("filename", header(name, charset), header="Content-Disposition")
            msg.attach(part)
    msg["From"] = from_header(sender[0], sender[1], charset)
    msg["To"] = to
    msg["Subject"] = header(subject, charset)
    msg["Date"] = date or formatdate(localtime=False)
    msg["Message-ID"] = f"<{abs(hash((subject, sender))) % 10**12}@test.example>"
    msg["MIME-Version"] = "1.0"
    for key, value in (headers or {}).items():
        msg[key] = value
    return msg.as_bytes()


def zip_bytes(
    members: dict[str, bytes], *, password: bytes | None = None, aes: bool = False
) -> bytes:
    """A zip archive; with a password it uses ZipCrypto, or AES (WinZip AE-2) when aes=True."""
    buffer = io.BytesIO()
    if password is None:
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in members.items():
                archive.writestr(name, data)
    elif aes:
        with pyzipper.AESZipFile(
            buffer, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES
        ) as archive:
            archive.setpassword(password)
            for name, data in members.items():
                archive.writestr(name, data)
    else:
        return zipcrypto_bytes(members, password)
    return buffer.getvalue()


def zipcrypto_bytes(members: dict[str, bytes], password: bytes) -> bytes:
    """Traditional PKWARE (ZipCrypto) encryption, written by hand: zipfile only decrypts."""
    import binascii
    import random
    import zlib

    keys = [0x12345678, 0x23456789, 0x34567890]

    def crc(ch: int, c: int) -> int:
        return (zlib.crc32(bytes([ch]), c ^ 0xFFFFFFFF) ^ 0xFFFFFFFF) & 0xFFFFFFFF

    def update(ch: int) -> None:
        keys[0] = crc(ch, keys[0])
        keys[1] = (keys[1] + (keys[0] & 0xFF)) & 0xFFFFFFFF
        keys[1] = (keys[1] * 134775813 + 1) & 0xFFFFFFFF
        keys[2] = crc((keys[1] >> 24) & 0xFF, keys[2])

    def encrypt(data: bytes) -> bytes:
        out = bytearray()
        for ch in data:
            temp = (keys[2] | 2) & 0xFFFF
            k = ((temp * (temp ^ 1)) >> 8) & 0xFF
            out.append(ch ^ k)
            update(ch)
        return bytes(out)

    buffer = io.BytesIO()
    central = []
    rng = random.Random(7)
    for name, data in members.items():
        keys[:] = [0x12345678, 0x23456789, 0x34567890]
        for ch in password:
            update(ch)
        crc32 = binascii.crc32(data) & 0xFFFFFFFF
        header = bytes(rng.randrange(256) for _ in range(11)) + bytes([crc32 >> 24])
        payload = encrypt(header) + encrypt(data)
        offset = buffer.tell()
        raw_name = name.encode("utf-8")
        buffer.write(
            struct.pack(
                "<IHHHHHIIIHH",
                0x04034B50,
                20,
                0x1 | 0x800,
                0,
                0,
                0,
                crc32,
                len(payload),
                len(data),
                len(raw_name),
                0,
            )
        )
        buffer.write(raw_name + payload)
        central.append(
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                20,
                20,
                0x1 | 0x800,
                0,
                0,
                0,
                crc32,
                len(payload),
                len(data),
                len(raw_name),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + raw_name
        )
    start = buffer.tell()
    for entry in central:
        buffer.write(entry)
    size = buffer.tell() - start
    buffer.write(
        struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), size, start, 0)
    )
    return buffer.getvalue()


def ooxml_bytes(
    kind: str = "docm", *, vba: bool = False, xlm: bool = False, text: str = ""
) -> bytes:
    """A minimal OOXML package: [Content_Types].xml, optional vbaProject.bin or macro sheet."""
    members: dict[str, bytes] = {
        "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
    }
    if kind.startswith("doc"):
        members["word/document.xml"] = f"<w:document><w:t>{text}</w:t></w:document>".encode()
        if vba:
            members["word/vbaProject.bin"] = b"\xd0\xcf\x11\xe0 not a real VBA project"
    else:
        members["xl/sharedStrings.xml"] = f"<sst><si><t>{text}</t></si></sst>".encode()
        if vba:
            members["xl/vbaProject.bin"] = b"\xd0\xcf\x11\xe0 not a real VBA project"
        if xlm:
            members["xl/macrosheets/sheet1.xml"] = b"<xm:macrosheet/>"
    return zip_bytes(members)


def rfc822_attachment(
    outer_sender: tuple[str, str], subject: str, inner: bytes, note: str = ""
) -> bytes:
    """A forward carrying the original as a message/rfc822 attachment."""
    import email

    msg = MIMEMultipart("mixed")
    msg.attach(MIMEText(note or "確認をお願いします。", "plain", "utf-8"))
    msg.attach(MIMEMessage(email.message_from_bytes(inner)))
    msg["From"] = from_header(*outer_sender)
    msg["To"] = "check@our-office.co.jp"
    msg["Subject"] = header(subject)
    msg["Date"] = formatdate()
    return msg.as_bytes()


# --- a minimal compound-file (OLE) writer, enough for Outlook .msg test files ---------------

SECTOR = 512
MINI = 64
CUTOFF = 4096
FREESECT = 0xFFFFFFFF
ENDOFCHAIN = 0xFFFFFFFE
FATSECT = 0xFFFFFFFD


def _chain(table: list[int], first: int, count: int) -> None:
    for i in range(count):
        table[first + i] = first + i + 1 if i < count - 1 else ENDOFCHAIN


def ole_bytes(streams: dict[str, bytes]) -> bytes:
    """A version-3 compound file with the given streams; "a/b/c" puts stream c in storage a/b."""
    storages: dict[str, dict[str, bytes]] = {"": {}}
    for path, data in streams.items():
        folder, _, name = path.rpartition("/")
        storages.setdefault(folder, {})[name] = data
    entries: list[dict] = [
        {"name": "Root Entry", "type": 5, "children": [], "start": ENDOFCHAIN, "size": 0}
    ]
    sectors: list[bytes] = []
    minis: list[bytes] = []
    fat_chains: list[tuple[int, int]] = []
    mini_chains: list[tuple[int, int]] = []

    def place(data: bytes) -> int:
        if not data:
            return ENDOFCHAIN
        if len(data) < CUTOFF:
            padded = data + b"\x00" * (-len(data) % MINI)
            first = len(minis)
            minis.extend(padded[i : i + MINI] for i in range(0, len(padded), MINI))
            mini_chains.append((first, len(padded) // MINI))
            return first
        padded = data + b"\x00" * (-len(data) % SECTOR)
        first = len(sectors)
        sectors.extend(padded[i : i + SECTOR] for i in range(0, len(padded), SECTOR))
        fat_chains.append((first, len(padded) // SECTOR))
        return first

    storage_index: dict[str, int] = {"": 0}

    def storage(folder: str) -> int:
        """The directory entry of a storage path, creating its parents as needed."""
        if folder not in storage_index:
            parent_path, _, name = folder.rpartition("/")
            parent_entry = storage(parent_path)
            entries.append({"name": name, "type": 1, "children": [], "start": 0, "size": 0})
            storage_index[folder] = len(entries) - 1
            entries[parent_entry]["children"].append(len(entries) - 1)
        return storage_index[folder]

    for folder, files in storages.items():
        parent = storage(folder)
        for name, data in files.items():
            entries.append(
                {"name": name, "type": 2, "children": [], "start": place(data), "size": len(data)}
            )
            entries[parent]["children"].append(len(entries) - 1)

    def add_regular(data: bytes) -> tuple[int, int]:
        padded = data + b"\x00" * (-len(data) % SECTOR)
        first = len(sectors)
        sectors.extend(padded[i : i + SECTOR] for i in range(0, len(padded), SECTOR))
        fat_chains.append((first, len(padded) // SECTOR))
        return first, len(padded) // SECTOR

    mini_first, mini_count = ENDOFCHAIN, 0
    if minis:
        stream = b"".join(minis)
        entries[0]["start"], _ = add_regular(stream)
        entries[0]["size"] = len(stream)
        minifat = [FREESECT] * (len(minis) + (-len(minis) % (SECTOR // 4)))
        for first, count in mini_chains:
            _chain(minifat, first, count)
        mini_first, mini_count = add_regular(struct.pack(f"<{len(minifat)}I", *minifat))

    # Children of each storage as a right-leaning chain (all black): a valid red-black tree
    # order is not needed by readers that walk siblings, and olefile accepts it.
    left = [FREESECT] * len(entries)
    right = [FREESECT] * len(entries)
    child = [FREESECT] * len(entries)
    for index, entry in enumerate(entries):
        kids = sorted(
            entry["children"], key=lambda k: (len(entries[k]["name"]), entries[k]["name"].upper())
        )
        if kids:
            child[index] = kids[0]
            for a, b in zip(kids, kids[1:], strict=False):
                right[a] = b
    directory = b""
    for index, entry in enumerate(entries):
        name = entry["name"].encode("utf-16-le") + b"\x00\x00"
        directory += struct.pack(
            "<64sHBBIII16sIQQIII",
            name.ljust(64, b"\x00"),
            len(name),
            entry["type"],
            1,
            left[index],
            right[index],
            child[index],
            b"\x00" * 16,
            0,
            0,
            0,
            entry["start"] if entry["type"] != 1 else 0,
            entry["size"],
            0,
        )
    while len(directory) % SECTOR:
        directory += struct.pack(
            "<64sHBBIII16sIQQIII",
            b"",
            0,
            0,
            0,
            FREESECT,
            FREESECT,
            FREESECT,
            b"\x00" * 16,
            0,
            0,
            0,
            0,
            0,
            0,
        )
    dir_first, _ = add_regular(directory)

    total = len(sectors)
    fat_count = 1
    while total + fat_count > fat_count * (SECTOR // 4):
        fat_count += 1
    fat = [FREESECT] * (fat_count * (SECTOR // 4))
    for first, count in fat_chains:
        _chain(fat, first, count)
    for i in range(fat_count):
        fat[total + i] = FATSECT
    difat = [total + i for i in range(fat_count)] + [FREESECT] * (109 - fat_count)
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        b"\x00" * 16,
        0x3E,
        3,
        0xFFFE,
        9,
        6,
        b"\x00" * 6,
        0,
        fat_count,
        dir_first,
        0,
        CUTOFF,
        mini_first,
        mini_count,
        ENDOFCHAIN,
        0,
    ) + struct.pack("<109I", *difat)
    return header + b"".join(sectors) + struct.pack(f"<{len(fat)}I", *fat)


def msg_bytes(
    *,
    subject: str,
    sender_name: str,
    sender_address: str,
    body: str,
    html: str | None = None,
    headers: str | None = None,
    attachments: list[tuple[str, bytes]] | None = None,
) -> bytes:
    """An Outlook .msg with the MAPI properties the converter reads (UTF-16 strings)."""

    def u(text: str) -> bytes:
        return text.encode("utf-16-le")

    streams = {
        "__substg1.0_0037001F": u(subject),
        "__substg1.0_0C1A001F": u(sender_name),
        "__substg1.0_5D01001F": u(sender_address),
        "__substg1.0_1000001F": u(body),
    }
    if html is not None:
        streams["__substg1.0_10130102"] = html.encode("utf-8")
    if headers is not None:
        streams["__substg1.0_007D001F"] = u(headers)
    for index, (name, data) in enumerate(attachments or []):
        folder = f"__attach_version1.0_#{index:08X}"
        streams[f"{folder}/__substg1.0_3707001F"] = u(name)
        streams[f"{folder}/__substg1.0_37010102"] = data
    return ole_bytes(streams)


def ovba_compress(data: bytes) -> bytes:
    """MS-OVBA compression using literal tokens only (valid, just not smaller)."""
    out = bytearray(b"\x01")
    step = 3584  # 3584 literals + 448 flag bytes fit in one 4098-byte compressed chunk
    for start in range(0, len(data), step):
        chunk = data[start : start + step]
        body = bytearray()
        for i in range(0, len(chunk), 8):
            body.append(0)  # eight literal tokens follow
            body.extend(chunk[i : i + 8])
        out.extend(struct.pack("<H", (len(body) + 2 - 3) | 0xB000))
        out.extend(body)
    return bytes(out)


def vba_project_with_source(template: bytes, module: str, source: str) -> bytes:
    """A copy of a real vbaProject.bin (read from the shared corpus at test time) whose module
    `module` carries `source`; the copy is rebuilt with ole_bytes, the original is untouched."""
    import re

    import olefile
    from oletools.olevba import decompress_stream

    ole = olefile.OleFileIO(template)
    streams = {"/".join(path): ole.openstream(path).read() for path in ole.listdir()}
    directory = bytes(decompress_stream(bytearray(streams["VBA/dir"])))
    names = [
        directory[m.end() : m.end() + struct.unpack("<I", m.group(1))[0]]
        for m in re.finditer(rb"\x19\x00(.{4})", directory, re.S)
        if struct.unpack("<I", m.group(1))[0] < 64
    ]
    offsets = [
        struct.unpack("<I", m.group(1))[0]
        for m in re.finditer(rb"\x31\x00\x04\x00\x00\x00(.{4})", directory, re.S)
    ]
    offset = dict(zip(names, offsets, strict=False))[module.encode()]
    key = f"VBA/{module}"
    streams[key] = streams[key][:offset] + ovba_compress(
        source.replace("\n", "\r\n").encode("cp1252")
    )
    return ole_bytes(streams)
