"""Attachment checks: dangerous types, tricky names, Office macros and encryption, archives.

Every read is capped (member size, entry count, total unpacked size, nesting, time); hitting a
cap produces the `attachment.limit` signal instead of work without end.
"""

from __future__ import annotations

import contextlib
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field

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
ENABLE_RE = re.compile("|".join(re.escape(p) for p in ENABLE_PHRASES), re.IGNORECASE)
ENABLE_BYTES = tuple(
    {p.encode(enc) for p in ENABLE_PHRASES for enc in ("utf-16-le", "utf-8", "cp932")}
    | {p.title().encode("utf-16-le") for p in ENABLE_PHRASES if p.isascii()}
    | {p.title().encode("ascii") for p in ENABLE_PHRASES if p.isascii()}
)
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
) -> None:
    if out.out_of_time():
        return
    ext = extension(name)
    label = path + visible_name(name)
    if data.startswith(OLE_MAGIC):
        _analyse_ole(label, data, ext, limits, out, facts)
    elif data.startswith(ZIP_MAGIC) or ext in ZIP_EXT | OFFICE_EXT:
        if not data.startswith(ZIP_MAGIC):
            return
        _analyse_zip(label, data, ext, depth, limits, out, facts)
    elif ext in MACRO_EXT:
        out.add("attachment.macro", label)
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
        if "[Content_Types].xml" in names:
            _analyse_ooxml(label, data, archive, names, ext, limits, out, facts)
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
            if inner_ext not in ZIP_EXT | OFFICE_EXT:
                continue
            if depth + 1 > limits.max_archive_depth:
                out.add("attachment.limit", f"{where}{visible_name(inner)}: nested deeper than cap")
                continue
            member = _read_member(archive, info, limits, out, where)
            if member is not None:
                _analyse_blob(inner, member, depth + 1, where, limits, out, facts)


def _read_member(
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
    has_vba = any(n.lower().endswith("vbaproject.bin") for n in names)
    has_xlm = any(n.lower().startswith("xl/macrosheets/") for n in names)
    if has_vba or ext in MACRO_EXT:
        out.add("attachment.macro", label)
        facts.macro_documents.append(label)
    if has_xlm:
        out.add("attachment.xlm_macro", label)
    if has_vba and len(data) <= limits.max_office_scan_bytes:
        _scan_vba(label, data, out, facts)
    for name in names:
        if OOXML_TEXT_PARTS.match(name):
            try:
                info = archive.getinfo(name)
            except KeyError:
                continue
            member = _read_member(archive, info, limits, out, f"{label} → ")
            if member and ENABLE_RE.search(member.decode("utf-8", errors="ignore")):
                out.add("attachment.enable_content_lure", label)
                return


def _analyse_ole(
    label: str, data: bytes, ext: str, limits: Limits, out: Collector, facts: AttachmentFacts
) -> None:
    if len(data) > limits.max_office_scan_bytes:
        out.add("attachment.limit", f"{label}: Office file larger than the scan cap")
        return
    import olefile

    try:
        ole = olefile.OleFileIO(data)
    except Exception:
        return
    try:
        streams = ["/".join(entry) for entry in ole.listdir(streams=True, storages=True)]
    except Exception:
        streams = []
    finally:
        ole.close()
    lowered = [s.lower() for s in streams]
    if "encryptedpackage" in lowered or "encryptioninfo" in lowered or _legacy_encrypted(data):
        out.add("attachment.encrypted_office", label)
        facts.encrypted_office.append(label)
        return
    has_vba = any(
        s.endswith("/vba") or s == "vba" or "_vba_project" in s or s.startswith("macros/")
        for s in lowered
    )
    if has_vba or ext in MACRO_EXT:
        out.add("attachment.macro", label)
        facts.macro_documents.append(label)
    # PowerPoint 97 keeps its VBA inside the compressed "PowerPoint Document" stream; Excel 97
    # may carry XLM macro sheets without any VBA storage: both need olevba to look inside.
    if has_vba or ext in {"xls", "xlt", "xla"} or "powerpoint document" in lowered:
        _scan_vba(label, data, out, facts)
    if any(phrase in data for phrase in ENABLE_BYTES):
        out.add("attachment.enable_content_lure", label)


def _legacy_encrypted(data: bytes) -> bool:
    """Encrypted .doc/.xls/.ppt (RC4, XOR) as msoffcrypto-tool reads them."""
    try:
        import msoffcrypto

        return bool(msoffcrypto.OfficeFile(io.BytesIO(data)).is_encrypted())
    except Exception:  # not an Office format it knows, or damaged
        return False


def _scan_vba(label: str, data: bytes, out: Collector, facts: AttachmentFacts) -> None:
    """oletools: VBA source through MacroRaptor (auto-run + write/execute), and XLM sheets."""
    try:
        from oletools.mraptor import MacroRaptor
        from oletools.olevba import VBA_Parser

        parser = VBA_Parser(label or "attachment", data=data)
    except Exception:  # olevba raises on files it cannot read
        return
    try:
        if parser.detect_vba_macros():
            out.add("attachment.macro", label)
            if label not in facts.macro_documents:
                facts.macro_documents.append(label)
            code = parser.get_vba_code_all_modules()
            raptor = MacroRaptor(code)
            raptor.scan()
            if raptor.suspicious:
                out.add("attachment.macro_autoexec", f"{label} ({raptor.get_flags()})")
        if parser.detect_xlm_macros():
            out.add("attachment.xlm_macro", label)
    except Exception:
        return
    finally:
        with contextlib.suppress(Exception):
            parser.close()
