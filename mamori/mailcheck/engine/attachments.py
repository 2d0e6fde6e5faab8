"""Attachment checks: dangerous types, tricky names, Office macros and encryption, archives.

Every read is capped (member size, entry count, total unpacked size, nesting, time); hitting a
cap produces the `attachment.limit` signal instead of work without end.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field

from . import office
from .model import Limits
from .signals import Collector

DANGEROUS_EXT = frozenset(
    "exe scr com pif bat cmd js jse vbs vbe wsf wsh wsc ps1 psm1 msi msp msix appx lnk iso img "
    "vhd vhdx hta cpl jar dll reg scf chm inf xll application gadget sct url library-ms "
    "settingcontent-ms".split()
)
HTML_EXT = frozenset({"html", "htm", "shtml", "xhtml", "mht", "mhtml", "svg"})
ZIP_EXT = frozenset({"zip"})
OTHER_ARCHIVE_EXT = frozenset(
    {"rar", "7z", "cab", "gz", "tgz", "bz2", "xz", "tar", "lzh", "ace", "arj", "z"}
)
DISK_IMAGE_EXT = frozenset({"iso", "img", "vhd", "vhdx"})
MACRO_EXT = frozenset(
    {"docm", "dotm", "xlsm", "xltm", "xlam", "pptm", "potm", "ppsm", "sldm", "ppam"}
)
OFFICE_EXT = MACRO_EXT | frozenset(
    {
        "doc",
        "dot",
        "xls",
        "xlt",
        "xla",
        "ppt",
        "pps",
        "pot",
        "docx",
        "xlsx",
        "pptx",
        "xlsb",
        "dotx",
        "xltx",
    }
)
# Text formats Office opens that can carry DDE, Excel 4 macros or embedded objects.
OFFICE_TEXT_EXT = frozenset({"rtf", "slk", "csv", "xml", "mht", "mhtml"})
DECOY_EXT = OFFICE_EXT | frozenset(
    {"pdf", "txt", "rtf", "csv", "jpg", "jpeg", "png", "gif", "bmp", "mp3", "mp4", "wav", "zip"}
)
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
PE_MAGIC = b"MZ"
LNK_MAGIC = b"L\x00\x00\x00\x01\x14\x02\x00"

# Phrases documents use to get macros running ("enable editing / content").
ENABLE_PHRASES = (
    "enable content",
    "enable editing",
    "enable macros",
    "コンテンツの有効化",
    "編集を有効に",
    "マクロを有効",
)
ENABLE_BYTES = tuple(
    {p.encode(enc) for p in ENABLE_PHRASES for enc in ("utf-16-le", "utf-8", "cp932")}
    | {p.title().encode("utf-16-le") for p in ENABLE_PHRASES if p.isascii()}
    | {p.title().encode("ascii") for p in ENABLE_PHRASES if p.isascii()}
)
ENABLE_UTF8 = tuple(p.encode("utf-8") for p in ENABLE_PHRASES)
OOXML_TEXT_PARTS = re.compile(
    r"^(word/document\.xml|xl/sharedStrings\.xml|ppt/slides/slide\d+\.xml|word/header\d*\.xml)$"
)


@dataclass
class AttachmentFacts:
    encrypted_archives: list[str] = field(default_factory=list)
    encrypted_office: list[str] = field(default_factory=list)
    macro_documents: list[str] = field(default_factory=list)


def extension(name: str) -> str:
    base = name.strip().rstrip(". ").lower()
    return base.rpartition(".")[2] if "." in base else ""


def visible_name(name: str) -> str:
    """The name with bidi controls shown as <U+202E> so that evidence cannot be reordered."""
    return "".join(f"<U+{ord(c):04X}>" if c in BIDI_CONTROLS else c for c in name)


def check_name(name: str, where: str, out: Collector) -> None:
    shown = where + visible_name(name)
    if any(c in BIDI_CONTROLS for c in name):
        out.add("attachment.rtlo", shown)
    clean = "".join(c for c in name if c not in BIDI_CONTROLS)
    clean = unicodedata.normalize("NFKC", clean)
    ext = extension(clean)
    if ext in DANGEROUS_EXT:
        out.add("attachment.dangerous_type", shown)
    elif ext in HTML_EXT:
        out.add("attachment.html", shown)
    elif ext in OTHER_ARCHIVE_EXT:
        out.add("attachment.unscannable_archive", shown)
    parts = clean.lower().split(".")
    if len(parts) >= 3 and ext in DANGEROUS_EXT | HTML_EXT:
        decoy = parts[-2].strip()
        if decoy in DECOY_EXT:
            out.add("attachment.double_extension", shown)
    elif len(parts) >= 2 and re.search(r"\s{5,}\.?\w+$", clean):
        # Long runs of spaces push the real extension out of view.
        out.add("attachment.double_extension", shown)


def analyse_attachment(
    name: str, data: bytes, truncated: bool, limits: Limits, out: Collector, facts: AttachmentFacts
) -> None:
    check_name(name, "", out)
    if truncated:
        out.add("attachment.limit", f"{visible_name(name)}: larger than the scan cap")
        return
    _analyse_blob(name, data, depth=0, path="", limits=limits, out=out, facts=facts)


def _analyse_blob(
    name: str,
    data: bytes,
    depth: int,
    path: str,
    limits: Limits,
    out: Collector,
    facts: AttachmentFacts,
    shown: str | None = None,
) -> None:
    if out.out_of_time():
        return
    ext = extension(name)
    label = shown or path + visible_name(name)

    def inner(inner_label: str, inner_data: bytes, inner_depth: int, _ext: str) -> None:
        # A decrypted document: analysed like an attachment of its own, one level deeper.
        if inner_depth > limits.max_archive_depth:
            out.add("attachment.limit", f"{inner_label}: nested deeper than cap")
            return
        _analyse_blob(name, inner_data, inner_depth, "", limits, out, facts, shown=inner_label)

    if data.startswith(OLE_MAGIC):
        office.analyse_ole(label, data, ext, depth, limits, out, facts, inner)
        _enable_lure_ole(label, data, out)
    elif data.startswith(ZIP_MAGIC):
        _analyse_zip(label, data, ext, depth, limits, out, facts)
    elif not office.analyse_other(label, data, ext, limits, out, facts) and ext in MACRO_EXT:
        out.add(
            "attachment.macro_enabled_no_macro",
            f"{label}: マクロ有効形式（.{ext}）ですが、Office 文書として読み取れません",
        )
    if ext not in DANGEROUS_EXT:
        # A program or shortcut under an innocent name ("invoice.pdf" that is really an .exe).
        if _is_pe(data):
            out.add("attachment.dangerous_type", f"{label} (Windows program / 実行ファイル)")
        elif data.startswith(LNK_MAGIC):
            out.add("attachment.dangerous_type", f"{label} (shortcut / ショートカット)")


def _is_pe(data: bytes) -> bool:
    """A Windows executable: "MZ", and the "PE" signature where the MZ header points."""
    if not data.startswith(PE_MAGIC) or len(data) < 0x40:
        return False
    offset = int.from_bytes(data[0x3C:0x40], "little")
    return data[offset : offset + 4] == b"PE\x00\x00"


def _open_zip(data: bytes) -> zipfile.ZipFile | None:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except Exception:  # corrupt archives are just not inspected further
        return None


def _analyse_zip(
    label: str,
    data: bytes,
    ext: str,
    depth: int,
    limits: Limits,
    out: Collector,
    facts: AttachmentFacts,
) -> None:
    archive = _open_zip(data)
    if archive is None:
        return
    with archive:
        try:
            infos = archive.infolist()
        except Exception:
            return
        names = {info.filename for info in infos[: limits.max_archive_entries]}
        office_parts = any(n.startswith(("word/", "xl/", "ppt/")) for n in names)
        if "[Content_Types].xml" in names or (ext in OFFICE_EXT and office_parts):
            # A package missing its content-types part is still read by olevba (and Office).
            _analyse_ooxml(label, data, archive, names, ext, limits, out, facts)
            return
        if "mimetype" in names and "META-INF/manifest.xml" in names:
            # OpenDocument: OLE objects are stored as "Object N" members (oleobj reads them).
            for name in sorted(names):
                if name.startswith("Object ") and "/" not in name:
                    member = read_member(archive, archive.getinfo(name), limits, out, f"{label} → ")
                    if member and member.startswith(OLE_MAGIC):
                        office.embedded_objects(f"{label} → {name}", member, out, ppt=False)
            return
        if len(infos) > limits.max_archive_entries:
            out.add(
                "attachment.limit", f"{label}: {len(infos)} entries > {limits.max_archive_entries}"
            )
        total = sum(max(0, info.file_size) for info in infos[: limits.max_archive_entries])
        if total > limits.max_archive_total_bytes:
            out.add("attachment.limit", f"{label}: unpacked size {total} bytes > cap")
        encrypted = [i for i in infos if i.flag_bits & 0x1 or i.compress_type == 99]
        if encrypted:
            kind = "AES" if any(i.compress_type == 99 for i in encrypted) else "ZipCrypto"
            out.add("attachment.encrypted_zip", f"{label} ({kind})")
            facts.encrypted_archives.append(label)
        for info in infos[: limits.max_archive_entries]:
            if out.out_of_time():
                return
            inner = info.filename
            where = f"{label} → "
            check_name(inner.rpartition("/")[2], where, out)
            inner_ext = extension(inner)
            if inner_ext in ZIP_EXT | OTHER_ARCHIVE_EXT | DISK_IMAGE_EXT:
                out.add("attachment.nested_archive", where + visible_name(inner))
            if info.flag_bits & 0x1 or info.compress_type == 99 or info.is_dir():
                continue
            if inner_ext not in ZIP_EXT | OFFICE_EXT | OFFICE_TEXT_EXT:
                continue
            if depth + 1 > limits.max_archive_depth:
                out.add("attachment.limit", f"{where}{visible_name(inner)}: nested deeper than cap")
                continue
            member = read_member(archive, info, limits, out, where)
            if member is not None:
                _analyse_blob(inner, member, depth + 1, where, limits, out, facts)


def read_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits, out: Collector, where: str
) -> bytes | None:
    cap = limits.max_archive_member_read_bytes
    if info.file_size > cap:
        out.add("attachment.limit", f"{where}{visible_name(info.filename)}: {info.file_size} bytes")
        return None
    try:
        with archive.open(info) as handle:
            data = handle.read(cap + 1)
    except Exception:  # bad CRC, unsupported method, truncated data
        return None
    if len(data) > cap:  # the header lied about the size
        out.add("attachment.limit", f"{where}{visible_name(info.filename)}: more than {cap} bytes")
        return None
    return data


def _analyse_ooxml(
    label: str,
    data: bytes,
    archive: zipfile.ZipFile,
    names: set[str],
    ext: str,
    limits: Limits,
    out: Collector,
    facts: AttachmentFacts,
) -> None:
    office.analyse_ooxml(label, data, archive, names, ext, limits, out, facts)
    for name in names:
        if OOXML_TEXT_PARTS.match(name):
            try:
                info = archive.getinfo(name)
            except KeyError:
                continue
            member = read_member(archive, info, limits, out, f"{label} → ")
            if member and _has_enable_phrase(member):
                out.add("attachment.enable_content_lure", label)
                return


def _has_enable_phrase(member: bytes) -> bool:
    # Plain substring tests on the lower-cased text: a case-insensitive alternation is slow
    # on a document part of several megabytes.
    text = member.lower()  # ASCII case only: the Japanese phrases have none
    return any(phrase in text for phrase in ENABLE_UTF8)


def _enable_lure_ole(label: str, data: bytes, out: Collector) -> None:
    if any(phrase in data for phrase in ENABLE_BYTES):
        out.add("attachment.enable_content_lure", label)
