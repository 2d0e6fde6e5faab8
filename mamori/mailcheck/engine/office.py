"""Office documents judged as oletools and msoffcrypto-tool judge them.

What an attachment does, said in plain Japanese evidence: VBA macros in every container olevba
reads (OLE, OOXML, PowerPoint 97, Word 2003 XML, Flat OPC, MHT) with their auto-run triggers,
suspicious keywords, IOCs, MacroRaptor's verdict and VBA stomping; files encrypted with Excel's
default password (decrypted, then analysed); Excel 4 (XLM) macros in BIFF, OOXML, XLSB and SYLK;
DDE fields and links (Word, Excel, CSV, SYLK, RTF); remote templates and external relationships;
embedded OLE packages (oleobj) and RTF objects (rtfobj) including Equation Editor exploits.

Every read is capped; hitting a cap is the `attachment.limit` signal, never an exception. No
Django here: the analyser stays a pure engine.
"""

from __future__ import annotations

import contextlib
import html
import io
import logging
import os
import re
import zipfile
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

# oletools' grammar setup takes most of a second on first import; done when the engine loads,
# so that the first mail's time budget is spent on the mail and not on imports.
import msoffcrypto  # noqa: F401
from oletools import mraptor, olevba  # noqa: F401

from .model import Limits
from .signals import Collector
from .xlsb import xlsb_formulas

if TYPE_CHECKING:
    from .attachments import AttachmentFacts

# Excel opens files encrypted with this password without asking (msoffcrypto-tool, oletools).
DEFAULT_PASSWORDS = ("VelvetSweatshop",)
MACRO_EXT = frozenset(
    {"docm", "dotm", "xlsm", "xltm", "xlam", "pptm", "potm", "ppsm", "sldm", "ppam"}
)
EXCEL_OLE_EXT = frozenset({"xls", "xlt", "xla"})
# Class ids of OLE objects used by known exploits (oletools' clsid table marks them with a CVE).
EQUATION_CLSIDS = frozenset(
    {
        "0002CE02-0000-0000-C000-000000000046",
        "00021700-0000-0000-C000-000000000046",
        "0003000B-0000-0000-C000-000000000046",
        "0004A6B0-0000-0000-C000-000000000046",
    }
)
MAX_EVIDENCE_ITEMS = 4
MAX_RTF_OBJECTS = 50
MAX_FIELD_CHARS = 1000

DDE_RE = re.compile(r"^\s*\"?\s*dde(auto)?\b", re.IGNORECASE)
# =cmd|' /C calc'!A0, +MSEXCEL|'\..\..\Windows\System32\regsvr32 …'!'' (msodde's CSV form).
CELL_DDE_RE = re.compile(r"""[=+\-@]\s*"?\s*([\w.\\: -]{1,80}?)\s*\|\s*(.{1,600}?)!""")
XML_FIELD_RE = re.compile(
    rb"<(?:\w+:)?fldChar\b[^>]*?fldCharType=\"(\w+)\""
    rb"|<(?:\w+:)?instrText\b[^>]*>([^<]*)<"
    rb"|<(?:\w+:)?fldSimple\b[^>]*?\binstr=\"([^\"]*)\""
)
REL_RE = re.compile(rb"<(?:\w+:)?Relationship\b([^>]*)>", re.IGNORECASE)
ATTR_RE = re.compile(rb"([\w:]+)\s*=\s*\"([^\"]*)\"")
RTF_FLDINST_RE = re.compile(rb"\\fldinst")
RTF_CONTROL_RE = re.compile(rb"\\[a-zA-Z]+-?\d* ?|\\[^a-zA-Z]|[{}\r\n]")
RTF_EQUATION_RE = re.compile(rb"\\objclass\s*Equation", re.IGNORECASE)
RISKY_SCHEMES = ("ms-msdt:", "mhtml:", "search-ms:", "ms-officecmd:", "ms-search:", "its:")
ACTIVE_MIME = (b"QWN0aXZlTWltZQ", b"ActiveMime")
WORD_2003_NS = b"http://schemas.microsoft.com/office/word/2003/wordml"
FLAT_OPC_NS = b"http://schemas.microsoft.com/office/2006/xmlPackage"
EXCEL_2003_NS = b"urn:schemas-microsoft-com:office:spreadsheet"

# olevba's keyword descriptions → what the macro does, in the words a staff member reads.
ACTION_PHRASES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("download",), "インターネットからファイルを取得"),
    (("powershell",), "PowerShell を実行"),
    (("dll", "inject", "xlm/xlf", "shellcode"), "Windows の機能（DLL）を直接呼び出し"),
    (("hide the application", "hidden"), "画面に出さずに動作"),
    (("obfuscat", "hex", "base64", "dridex", "strreverse", "chr("), "中身を読みにくく隠す処理"),
    (("virtualization", "sandbox", "anti-analysis"), "解析環境かどうかを確認"),
    (("delete",), "ファイルを削除"),
)
FLAG_WORDS = {"A": "自動実行", "W": "書き込み", "X": "実行"}

log = logging.getLogger(__name__)


def _oletools_quiet() -> None:
    """oletools logs parse problems of hostile files at ERROR; they are expected here."""
    for name in ("olevba", "oleobj", "rtfobj", "msodde", "xls_parser", "olefile", "ppt_parser"):
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)


def defang(text: str) -> str:
    """URLs in evidence that mail readers do not turn into live links."""
    return re.sub(r"(?i)\bhttp(s?)://", r"hxxp\1://", text)


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(text.replace("\x00", "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- entry points ------------------------------------------------------------------------


def analyse_ole(
    label: str,
    data: bytes,
    ext: str,
    depth: int,
    limits: Limits,
    out: Collector,
    facts: AttachmentFacts,
    analyse_blob: Callable[[str, bytes, int, str], None],
) -> None:
    """An OLE2 file: .doc/.xls/.ppt (97–2003), an encrypted OOXML package, a bare vbaProject."""
    if len(data) > limits.max_office_scan_bytes:
        out.add("attachment.limit", f"{label}: 検査できる大きさを超えた Office 文書")
        return
    import olefile

    _oletools_quiet()
    try:
        ole = olefile.OleFileIO(data)
    except Exception:
        return
    try:
        streams = ["/".join(entry).lower() for entry in ole.listdir(streams=True, storages=True)]
        is_word = ole.exists("WordDocument")
        word_stream = _read_stream(ole, "WordDocument", limits) if is_word else b""
        workbook = any(ole.exists(name) for name in ("Workbook", "Book"))
    except Exception:
        streams, word_stream, workbook = [], b"", False
    finally:
        ole.close()
    if "encryptedpackage" in streams or "encryptioninfo" in streams or _is_encrypted(data):
        _encrypted(label, data, ext, depth, limits, out, facts, analyse_blob)
        return
    has_vba, has_xlm = _scan_vba(label, data, out, facts, want_xlm=workbook or ext in EXCEL_OLE_EXT)
    if out.out_of_time():
        return
    if word_stream:
        _report_dde(label, _doc_dde_fields(word_stream), out)
    if workbook:
        _report_dde(label, _xls_dde_links(data), out)
    embedded_objects(label, data, out, ppt="powerpoint document" in streams)
    _macro_enabled_without_macro(label, ext, has_vba or has_xlm, out)


def analyse_ooxml(
    label: str,
    data: bytes,
    archive: zipfile.ZipFile,
    names: set[str],
    ext: str,
    limits: Limits,
    out: Collector,
    facts: AttachmentFacts,
) -> None:
    """A zip package with [Content_Types].xml: .docx/.xlsm/.pptx/.xlsb and the rest."""
    lowered = {n.lower(): n for n in names}
    has_vba = False
    if len(data) <= limits.max_office_scan_bytes:
        # VBA stomping needs only the VBA projects, not the whole (maybe large) package.
        projects = [
            _member(archive, real, limits, out, label)
            for low, real in sorted(lowered.items())
            if low.endswith("vbaproject.bin")
        ]
        has_vba, _ = _scan_vba(label, data, out, facts, want_xlm=False, projects=projects)
    else:
        out.add("attachment.limit", f"{label}: 検査できる大きさを超えた Office 文書")
    if not has_vba and any(low.endswith("vbaproject.bin") for low in lowered):
        # olevba finds no VBA in a project it cannot parse, so neither do we; the part itself is
        # still worth a caution (注意), never 危険 on its own.
        has_vba = True
        out.add(
            "attachment.macro",
            f"{label}: マクロ（VBA）の格納部分がありますが、壊れていて中身を読み取れません",
            "medium",
        )
        if label not in facts.macro_documents:
            facts.macro_documents.append(label)
    has_xlm = _ooxml_xlm(label, archive, lowered, limits, out)
    if out.out_of_time():
        return
    for name in sorted(names):
        low = name.lower()
        if low.endswith(".rels"):
            _relationships(label, _member(archive, name, limits, out, label), out)
        elif low.startswith("word/") and low.endswith(".xml"):
            _report_dde(label, _xml_fields(_member(archive, name, limits, out, label)), out)
        elif low.startswith("xl/externallinks/"):
            member = _member(archive, name, limits, out, label)
            _report_dde(label, _xlsx_dde_links(member, low.endswith(".bin")), out)
        elif "/embeddings/" in low:
            member = _member(archive, name, limits, out, label)
            if member.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") and "vbaproject" not in low:
                embedded_objects(f"{label} → {name}", member, out, ppt=False)
        if out.out_of_time():
            return
    _macro_enabled_without_macro(label, ext, has_vba or has_xlm, out)


def analyse_other(
    label: str, data: bytes, ext: str, limits: Limits, out: Collector, facts: AttachmentFacts
) -> bool:
    """RTF, SYLK, CSV, Word/Excel 2003 XML, Flat OPC and MHT documents; True if it was one."""
    if len(data) > limits.max_office_scan_bytes:
        if ext in {"rtf", "slk", "csv", "xml", "mht", "mhtml", "doc", "xls"}:
            out.add("attachment.limit", f"{label}: 検査できる大きさを超えた文書")
        return False
    head = data[:4096]
    if data.startswith(b"{\\rt"):
        _analyse_rtf(label, data, out)
        return True
    if data.startswith(b"ID;") or ext == "slk":
        _analyse_slk(label, data, out)
        return True
    if ext in {"csv", "tsv", "prn"}:
        text = data[: limits.max_text_chars * 4].decode("utf-8", errors="replace")
        _report_dde(label, _cell_dde(text.splitlines()), out)
        return True
    lowered = head.lower()
    is_xml = head.lstrip().startswith(b"<") or b"<?xml" in lowered
    start = data[:65536].lower()  # olevba: "mime" and "version" close together, "multipart"
    mime, version = start.find(b"mime"), start.find(b"version")
    is_mht = mime >= 0 and version >= 0 and abs(version - mime) < 20 and b"multipart" in start
    if not (is_xml or is_mht):
        return False
    if WORD_2003_NS in data or FLAT_OPC_NS in data or (is_mht and _has_active_mime(data)):
        _scan_vba(label, data, out, facts, want_xlm=False)
    if is_xml:
        _report_dde(label, _xml_fields(data), out)
        if EXCEL_2003_NS in data:
            formulas = re.findall(rb"(?i)\bformula=\"([^\"]*)\"", data)
            cells = [html.unescape(f.decode("utf-8", errors="replace")) for f in formulas]
            _report_dde(label, _cell_dde(cells), out)
        if FLAT_OPC_NS in data:
            _relationships(label, data, out)
    return True


# --- encryption --------------------------------------------------------------------------


def _is_encrypted(data: bytes) -> bool:
    """Encrypted .doc/.xls/.ppt (RC4, XOR) as msoffcrypto-tool reads them."""
    try:
        import msoffcrypto

        return bool(msoffcrypto.OfficeFile(io.BytesIO(data)).is_encrypted())
    except Exception:  # not an Office format it knows, or damaged
        return False


def decrypt_with_default_password(data: bytes) -> bytes | None:
    """The content when the file opens with Excel's built-in password, else None."""

    for password in DEFAULT_PASSWORDS:
        try:
            office = msoffcrypto.OfficeFile(io.BytesIO(data))
            # msoffcrypto's verifier check refuses some files Excel opens; decrypting checks
            # the key as well (a wrong one raises or gives bytes that are no document).
            office.load_key(password=password)
            plain = io.BytesIO()
            office.decrypt(plain)
        except Exception:  # wrong password, unsupported scheme, damaged file
            log.debug("default password %s does not open this file", password)
            continue
        result = plain.getvalue()
        if result.startswith((b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"PK\x03\x04")):
            return result
    return None


def _encrypted(
    label: str,
    data: bytes,
    ext: str,
    depth: int,
    limits: Limits,
    out: Collector,
    facts: AttachmentFacts,
    analyse_blob: Callable[[str, bytes, int, str], None],
) -> None:
    plain = decrypt_with_default_password(data)
    if plain is None:
        out.add("attachment.encrypted_office", label)
        facts.encrypted_office.append(label)
        return
    out.add(
        "attachment.office_default_password",
        f"{label}: Excel の既定のパスワード（VelvetSweatshop）で暗号化されていたため、"
        "復号して中身を検査しました",
    )
    if len(plain) > limits.max_office_scan_bytes:
        out.add("attachment.limit", f"{label}: 復号した中身が検査できる大きさを超えています")
        return
    analyse_blob(f"{label}（復号後）", plain, depth + 1, ext)


# --- VBA ---------------------------------------------------------------------------------


def _has_active_mime(data: bytes) -> bool:
    return any(marker in data for marker in ACTIVE_MIME)


def _scan_vba(
    label: str,
    data: bytes,
    out: Collector,
    facts: AttachmentFacts,
    want_xlm: bool,
    projects: list[bytes] | None = None,
) -> tuple[bool, bool]:
    """olevba over the document: (VBA found, XLM found), with signals saying what they do."""
    _oletools_quiet()
    try:
        from oletools.olevba import TYPE_TEXT, VBA_Parser

        parser = VBA_Parser(label or "attachment", data=data)
    except Exception:  # olevba raises on files it cannot read
        return False, False
    has_vba = has_xlm = False
    try:
        if parser.type != TYPE_TEXT and parser.detect_vba_macros():
            has_vba = True
            if label not in facts.macro_documents:
                facts.macro_documents.append(label)
            _describe_vba(label, parser, out)
            stomp_inputs = [p for p in projects or [] if p] or [data]
            if not out.out_of_time() and any(_is_stomped(p) for p in stomp_inputs[:4]):
                out.add(
                    "attachment.vba_stomping",
                    f"{label}: 見えているマクロのソースと、実際に動くコード（p-code）が一致しません",
                )
        if want_xlm or parser.type == "SLK":
            with contextlib.suppress(Exception):
                has_xlm = bool(parser.detect_xlm_macros())
            if has_xlm:
                _report_xlm(label, [str(line) for line in parser.xlm_macros or []], out)
    except Exception:  # a damaged project: what was found so far stands
        if has_vba:
            out.add("attachment.macro", f"{label}: マクロ（VBA）が含まれています")
    finally:
        with contextlib.suppress(Exception):
            parser.close()
    return has_vba, has_xlm


def _describe_vba(label: str, parser: object, out: Collector) -> None:
    from oletools.mraptor import MacroRaptor

    code = ""
    with contextlib.suppress(Exception):
        code = parser.get_vba_code_all_modules() or ""  # type: ignore[attr-defined]
    results: list[tuple[str, str, str]] = []
    with contextlib.suppress(Exception):
        results = list(parser.analyze_macros() or [])  # type: ignore[attr-defined]
    raptor = MacroRaptor(code)
    flags = ""
    with contextlib.suppress(Exception):
        raptor.scan()
        flags = "".join(
            f
            for f, on in (("A", raptor.autoexec), ("W", raptor.write), ("X", raptor.execute))
            if on
        )
    autoexec = [kw for kind, kw, _ in results if kind == "AutoExec"]
    suspicious = [(kw, desc) for kind, kw, desc in results if kind == "Suspicious"]
    iocs = [kw for kind, kw, _ in results if kind == "IOC"]
    obfuscated = [kind for kind, _, _ in results if kind.endswith(("String", "Strings", "string"))]
    out.add(
        "attachment.macro",
        f"{label}: {macro_sentence(flags, autoexec, suspicious, obfuscated)}"
        + _details(autoexec, [kw for kw, _ in suspicious], iocs),
    )
    if raptor.suspicious:
        words = "・".join(f"{FLAG_WORDS[f]} {f}" for f in flags)
        out.add(
            "attachment.macro_autoexec", f"{label}: MacroRaptor の判定は「疑わしい」（{words}）"
        )


def _is_stomped(data: bytes) -> bool:
    """olevba's VBA-stomping check (p-code keywords missing from the source).

    olevba runs pcodedmp only on files on disk, so the document is written to a private
    temporary folder for the check and removed at once.
    """
    import tempfile

    from oletools.olevba import VBA_Parser

    try:
        with tempfile.TemporaryDirectory(prefix="mamori-vba-") as folder:
            path = os.path.join(folder, "document")
            with open(path, "wb") as handle:
                handle.write(data)
            parser = VBA_Parser(path)
            try:
                return bool(parser.detect_vba_stomping())
            finally:
                parser.close()
    except Exception:  # pcodedmp cannot read every project: no verdict, not a crash
        log.debug("VBA stomping check failed", exc_info=True)
        return False


def macro_sentence(
    flags: str,
    autoexec: list[str],
    suspicious: list[tuple[str, str]],
    obfuscated: list[str],
) -> str:
    """「文書を開くと自動で実行され、ファイルを書き込んで実行します」 from what olevba found."""
    auto = "A" in flags or bool(autoexec)
    start = "文書を開くと自動で実行され、" if auto else "マクロが含まれ、"
    write, execute = "W" in flags, "X" in flags
    text = " ".join(f"{kw} {desc}" for kw, desc in suspicious).lower()
    execute = execute or "run an executable" in text or "system command" in text
    if write and execute:
        core = "ファイルを書き込んで実行します"
    elif execute:
        core = "プログラムやコマンドを実行します"
    elif write:
        core = "ファイルを書き込みます"
    elif auto:
        core = "処理を始めます"
    else:
        core = "ボタンなどの操作で動きます"
    if obfuscated:
        text += " obfuscat"
    extra = [phrase for needles, phrase in ACTION_PHRASES if any(n in text for n in needles)]
    if extra:
        core += "。ほかに: " + "・".join(dict.fromkeys(extra))
    return start + core


def _details(autoexec: list[str], suspicious: list[str], iocs: list[str]) -> str:
    parts = []
    if autoexec:
        parts.append("自動実行: " + ", ".join(dict.fromkeys(autoexec[:MAX_EVIDENCE_ITEMS])))
    if suspicious:
        parts.append("疑わしい処理: " + ", ".join(dict.fromkeys(suspicious[:8])))
    if iocs:
        parts.append("接続先など: " + defang(", ".join(dict.fromkeys(iocs[:MAX_EVIDENCE_ITEMS]))))
    return f"（{' / '.join(parts)}）" if parts else ""


def _macro_enabled_without_macro(label: str, ext: str, found: bool, out: Collector) -> None:
    if ext in MACRO_EXT and not found:
        out.add(
            "attachment.macro_enabled_no_macro",
            f"{label}: マクロ有効形式（.{ext}）ですが、マクロは含まれていません",
        )


# --- Excel 4 (XLM) -----------------------------------------------------------------------

XLM_KEY_RE = re.compile(
    r"(?i)\b(EXEC|CALL|REGISTER|URLDownloadToFile\w*|ShellExecute\w*|RUN|FORMULA(?:\.FILL)?|"
    r"FOPEN|FWRITE\w*|CreateDirectory\w*|WinExec|GET\.WORKSPACE|Auto_Open)\b"
)


def _report_xlm(label: str, lines: list[str], out: Collector) -> None:
    """Evidence: whether it runs on opening (Auto_Open) and the formulas, dangerous ones first."""
    auto = any("auto_open" in line.lower() for line in lines)
    formulas = [_short(f, 120) for f in _xlm_formulas(lines)]
    formulas.sort(key=lambda f: 0 if XLM_KEY_RE.search(f) else 1)
    shown = " / ".join(dict.fromkeys(formulas[:MAX_EVIDENCE_ITEMS]))
    out.add(
        "attachment.xlm_macro",
        f"{label}: {'開くと自動で実行される ' if auto else ''}Excel 4.0 マクロシートがあります"
        + (f"（式: {defang(shown)}）" if shown else ""),
    )


def _xlm_formulas(lines: list[str]) -> list[str]:
    """Formula text out of olevba's XLM listing (plugin_biff CSV rows, SYLK, our own lines)."""
    formulas = []
    for text in (part.strip() for line in lines for part in line.splitlines()):
        if text.startswith("Formula or Macro: "):
            formulas.append(text.removeprefix("Formula or Macro: "))
        elif text.startswith("Sheet,"):
            continue
        elif text.startswith("="):
            formulas.append(text[1:])
        elif text.count(",") >= 3:
            # plugin_biff: sheet,cell,formula,value
            formulas.append(text.split(",", 2)[2].rsplit(",", 1)[0])
        elif XLM_KEY_RE.search(text) and "auto_open" not in text.lower():
            formulas.append(text)
    return [f for f in formulas if f]


def _ooxml_xlm(
    label: str, archive: zipfile.ZipFile, lowered: dict[str, str], limits: Limits, out: Collector
) -> bool:
    sheets = [real for low, real in lowered.items() if low.startswith("xl/macrosheets/")]
    sheets = [s for s in sheets if s.lower().endswith((".xml", ".bin")) and "/_rels/" not in s]
    sheets = [s for s in sheets if "binaryindex" not in s.lower()]
    if not sheets:
        return False
    lines: list[str] = []
    for name in sorted(sheets):
        member = _member(archive, name, limits, out, label)
        if name.lower().endswith(".xml"):
            lines += [
                "=" + html.unescape(f.decode("utf-8", errors="replace"))
                for f in re.findall(rb"<(?:\w+:)?f\b[^>]*>([^<]*)<", member)
            ]
        else:  # XLSB: formulas are parsed tokens; rebuilt as text where they can be
            formulas = xlsb_formulas(member)
            lines += ["=" + text for text in formulas or _utf16_strings(member)]
    workbook = lowered.get("xl/workbook.xml") or lowered.get("xl/workbook.bin")
    if workbook:
        book = _member(archive, workbook, limits, out, label)
        if b"auto_open" in book.lower() or b"a\x00u\x00t\x00o\x00_\x00o\x00p\x00e\x00n" in (
            book.lower()
        ):
            lines.append("Auto_Open")
    _report_xlm(label, lines, out)
    return True


def _utf16_strings(data: bytes, minimum: int = 4) -> list[str]:
    found = re.findall(rb"(?:[\x20-\x7e]\x00){%d,}" % minimum, data)
    return [s.decode("utf-16-le") for s in found[:200]]


def _analyse_slk(label: str, data: bytes, out: Collector) -> None:
    """SYLK: `O;E` marks a macro sheet; `C` records carry formulas in their `E` field."""
    macro_sheet = False
    lines: list[str] = []
    cells: list[str] = []
    for raw in data.splitlines()[:100_000]:
        line = raw.decode("latin-1")
        fields = line.split(";")
        if line.startswith("O") and any(f.startswith("E") for f in fields[1:]):
            macro_sheet = True
        elif line.startswith("NN"):
            lines += [f"{f[1:]}" for f in fields[1:] if f.startswith("N")]
        elif line.startswith("C"):
            for f in fields[1:]:
                if f.startswith("E"):
                    lines.append("=" + f[1:])
                    cells.append("=" + f[1:])
    if macro_sheet:
        _report_xlm(label, lines, out)
    _report_dde(label, _cell_dde(cells), out)


# --- DDE ---------------------------------------------------------------------------------


def _report_dde(label: str, commands: list[str], out: Collector) -> None:
    for command in commands[:MAX_EVIDENCE_ITEMS]:
        # Word field codes double every backslash; show the path as Windows would run it.
        shown = _short(command.replace("\\\\", "\\"))
        out.add("attachment.dde", f"{label}: 開くと次のコマンドを実行しようとします: {shown}")


def _unquote(field: str) -> str:
    """Word's QUOTE field with character codes (QUOTE 68 68 69 …) spells out a DDE command."""
    if "QUOTE" not in field.upper():
        return field
    words = field.split()
    chars = []
    for word in words[1:]:
        chars.append(chr(int(word)) if word.isdigit() and int(word) < 0x110000 else word)
    return "".join(chars)


def _xml_fields(data: bytes) -> list[str]:
    """DDE field codes of WordprocessingML (2007+, 2003 XML, Flat OPC): fldSimple and instrText."""
    if b"instr" not in data:
        return []
    found: list[str] = []
    stack: list[str] = []
    for match in XML_FIELD_RE.finditer(data):
        kind, text, simple = match.groups()
        if simple is not None:
            found.append(html.unescape(simple.decode("utf-8", errors="replace")))
        elif kind is not None:
            if kind == b"begin":
                stack.append("")
            elif kind == b"end" and stack:
                found.append(stack.pop())
        elif text is not None and stack and len(stack[-1]) < MAX_FIELD_CHARS:
            stack[-1] += html.unescape(text.decode("utf-8", errors="replace"))
    found += stack
    return [_unquote(f).strip() for f in found if DDE_RE.match(_unquote(f))]


def _doc_dde_fields(stream: bytes) -> list[str]:
    """Field codes in a Word 97 text stream: 0x13 instructions (0x14 | 0x15), 8 or 16 bit."""
    found: list[str] = []
    index = stream.find(b"\x13")
    while index != -1 and len(found) < 20:
        chunk = stream[index + 1 : index + 1 + 2 * MAX_FIELD_CHARS]
        wide = chunk[:1] == b"\x00" or chunk[1:2] == b"\x00"
        if wide:
            body = chunk[1:] if chunk[:1] == b"\x00" else chunk
            text = body[: len(body) // 2 * 2].decode("utf-16-le", errors="replace")
        else:
            text = chunk.decode("latin-1")
        text = re.split(r"[\x13\x14\x15]", text, maxsplit=1)[0]
        if DDE_RE.match(text):
            found.append(text.strip())
        index = stream.find(b"\x13", index + 1)
    return found


def _xls_dde_links(data: bytes) -> list[str]:
    """DDE links of a BIFF workbook (SUPBOOK records of the OLE/DDE kind), as msodde reads them."""
    try:
        from oletools import xls_parser

        book = xls_parser.XlsFile(data)
    except Exception:
        return []
    found: list[str] = []
    try:
        for stream in book.iter_streams():
            if not isinstance(stream, xls_parser.WorkbookStream):
                continue
            for record in stream.iter_records():
                if (
                    isinstance(record, xls_parser.XlsRecordSupBook)
                    and record.support_link_type == xls_parser.XlsRecordSupBook.LINK_TYPE_OLE_DDE
                ):
                    found.append(str(record.virt_path).replace("\x03", " "))
    except Exception:  # damaged records: what was read so far stands
        log.debug("damaged BIFF records", exc_info=True)
    finally:
        with contextlib.suppress(Exception):
            book.close()
    return found


def _xlsx_dde_links(data: bytes, binary: bool) -> list[str]:
    if not binary:
        found = []
        for attrs in re.findall(rb"<(?:\w+:)?ddeLink\b([^>]*)>", data):
            values = dict(ATTR_RE.findall(attrs))
            parts = [values.get(b"ddeService", b""), values.get(b"ddeTopic", b"")]
            found.append(html.unescape(b" ".join(parts).decode("utf-8", errors="replace")))
        return found
    try:
        from oletools import xls_parser
    except Exception:
        return []

    class _Part(io.BytesIO):
        size = len(data)

    found = []
    try:
        for record in xls_parser.parse_xlsb_part(_Part(data), None, "externalLink"):
            if (
                isinstance(record, xls_parser.XlsbBeginSupBook)
                and record.link_type == xls_parser.XlsbBeginSupBook.LINK_TYPE_DDE
            ):
                found.append(f"{record.string1} {record.string2}")
    except Exception:  # damaged records: what was read so far stands
        log.debug("damaged XLSB records", exc_info=True)
    return found


def _cell_dde(cells: list[str] | Iterator[str]) -> list[str]:
    found = []
    for cell in cells:
        if "|" not in cell or "!" not in cell:
            continue
        match = CELL_DDE_RE.search(cell)
        if match:
            found.append(f"{match.group(1).strip()} {match.group(2).strip()}")
        if len(found) >= 20:
            break
    return found


# --- relationships, embedded objects, RTF -------------------------------------------------


def _relationships(label: str, data: bytes, out: Collector) -> None:
    """External targets of OOXML relationships: templates, OLE links, frames (oleobj's list)."""
    for attrs in REL_RE.findall(data):
        values = {k.split(b":")[-1].lower(): v for k, v in ATTR_RE.findall(attrs)}
        target = html.unescape(values.get(b"target", b"").decode("utf-8", errors="replace"))
        rtype = values.get(b"type", b"").decode("utf-8", errors="replace").rsplit("/", 1)[-1]
        external = values.get(b"targetmode", b"").lower() == b"external"
        low = target.strip().lower()
        shown = defang(_short(target, 200))
        follina = (
            external and low.endswith("!") and rtype in {"oleObject", "frame", "attachedTemplate"}
        )
        if low.startswith(RISKY_SCHEMES) or follina:
            out.add(
                "attachment.remote_template",
                f"{label}: 開くと Windows の機能を呼び出す外部参照があります（{rtype}: {shown}）",
            )
        elif not external:
            continue
        elif rtype == "attachedTemplate" and low:
            out.add(
                "attachment.remote_template",
                f"{label}: 開くと外部のテンプレートを読み込みます（{shown}）",
            )
        elif rtype in {"oleObject", "frame", "subDocument", "package", "officeDocument"} or (
            rtype in {"externalLinkPath", "externalReference", "externalLink"}
            and low.startswith(("http:", "https:", "ftp:"))
        ):
            out.add(
                "attachment.external_link",
                f"{label}: 開くと外部のファイルを読み込むリンクがあります（{rtype}: {shown}）",
            )


def embedded_objects(label: str, data: bytes, out: Collector, ppt: bool) -> None:
    """OLE packages inside the document (oleobj): what file is packed, and exploit objects."""
    _oletools_quiet()
    try:
        from oletools import oleobj
        from oletools.common.clsid import KNOWN_CLSIDS

        found = list(_ole_objects(label, data, oleobj, ppt))
    except Exception:
        return
    for ole in found[:MAX_RTF_OBJECTS]:
        try:
            clsid = str(ole.root.clsid or "").upper()
            description = KNOWN_CLSIDS.get(clsid, "")
            if clsid in EQUATION_CLSIDS or "CVE" in description:
                out.add(
                    "attachment.exploit_object",
                    f"{label}: {_exploit_words(description)}（{description or clsid}）",
                )
            for path in ole.listdir():
                if path[-1].lower() != "\x01ole10native":
                    continue
                with ole.openstream(path) as stream:
                    package = oleobj.OleNativeStream(stream)
                if package.is_link:
                    continue
                _report_package(label, str(package.filename or ""), out)
        except Exception:  # a damaged object: the others are still checked
            log.debug("damaged embedded object", exc_info=True)
        finally:
            with contextlib.suppress(Exception):
                ole.close()


def _ole_objects(label: str, data: bytes, oleobj: object, ppt: bool) -> Iterator[object]:
    import olefile

    if ppt:
        with contextlib.suppress(Exception):
            yield from oleobj.find_ole_in_ppt(data)  # type: ignore[attr-defined]
    yield olefile.OleFileIO(data)


def _report_package(label: str, filename: str, out: Collector) -> None:
    from .attachments import DANGEROUS_EXT, extension, visible_name

    shown = visible_name(filename.replace("\\", "/").rsplit("/", 1)[-1]) or "（名前なし）"
    if extension(filename) in DANGEROUS_EXT:
        out.add(
            "attachment.embedded_program",
            f"{label}: 文書の中にプログラム・スクリプトが埋め込まれています（{shown}）",
        )
    else:
        out.add(
            "attachment.embedded_object",
            f"{label}: 文書の中にファイルが埋め込まれています（{shown}）",
        )


def _exploit_words(description: str) -> str:
    if "Equation" in description or not description:
        return "数式エディタの脆弱性（CVE-2017-11882 など）を狙う埋め込みオブジェクトがあります"
    return "既知の脆弱性を狙う埋め込みオブジェクトがあります"


def _analyse_rtf(label: str, data: bytes, out: Collector) -> None:
    for match in RTF_FLDINST_RE.finditer(data):
        chunk = RTF_CONTROL_RE.sub(b"", data[match.end() : match.end() + 4 * MAX_FIELD_CHARS])
        text = chunk.decode("latin-1").replace("\\\\", "\\")
        if DDE_RE.match(text):
            _report_dde(label, [text.strip()[:MAX_FIELD_CHARS]], out)
    equation_declared = bool(RTF_EQUATION_RE.search(data))
    _oletools_quiet()
    try:
        from oletools import rtfobj

        parser = rtfobj.RtfObjParser(data)
        parser.parse()
        objects = list(parser.objects)[:MAX_RTF_OBJECTS]
    except Exception:
        objects = []
    exploit = equation_declared
    for obj in objects:
        class_name = bytes(getattr(obj, "class_name", b"") or b"").decode("latin-1")
        description = str(getattr(obj, "clsid_desc", "") or "")
        if class_name.lower().startswith("equation") or "CVE" in description:
            exploit = True
            out.add(
                "attachment.exploit_object",
                f"{label}: {_exploit_words(description)}（{class_name or description}）",
            )
        elif class_name.upper() == "OLE2LINK":
            exploit = True
            out.add(
                "attachment.exploit_object",
                f"{label}: 開くと外部から読み込む OLE リンク（CVE-2017-0199 など）があります",
            )
        elif getattr(obj, "is_package", False):
            _report_package(label, str(getattr(obj, "filename", "") or ""), out)
        else:
            kind = class_name or "形式の崩れたデータ"
            out.add(
                "attachment.rtf_object",
                f"{label}: RTF の中に埋め込みオブジェクトがあります（{kind}）",
            )
    if equation_declared and not any(s.id == "attachment.exploit_object" for s in out.signals):
        out.add("attachment.exploit_object", f"{label}: {_exploit_words('')}（objclass Equation）")
    if not exploit and not objects and b"\\object" in data and b"\\objdata" in data:
        out.add("attachment.rtf_object", f"{label}: RTF の中に埋め込みオブジェクトがあります")


# --- reading ----------------------------------------------------------------------------


def _read_stream(ole: object, name: str, limits: Limits) -> bytes:
    try:
        with ole.openstream(name) as stream:  # type: ignore[attr-defined]
            return bytes(stream.read(limits.max_office_scan_bytes))
    except Exception:
        return b""


def _member(
    archive: zipfile.ZipFile, name: str, limits: Limits, out: Collector, label: str
) -> bytes:
    from .attachments import read_member

    try:
        info = archive.getinfo(name)
    except KeyError:
        return b""
    return read_member(archive, info, limits, out, f"{label} → ") or b""
