"""Real Office files from the shared corpus (read at test time, never copied), attached to mails."""

from __future__ import annotations

from pathlib import Path

import pytest

from mamori.core.corpus import corpus_dir
from mamori.mailcheck.engine import Limits, analyse

from .builders import build_mail, zip_bytes

OFFICE = corpus_dir("office")
# What is found matters here, not how fast: a busy test machine must not hit the time budget.
RELAXED = Limits(time_budget_seconds=120)
needs_corpus = pytest.mark.skipif(
    OFFICE is None, reason="shared corpus ../shared/corpus/office is absent"
)


def _signals_for(path: Path) -> set[str]:
    raw = build_mail(
        sender=("取引先", "tantou@partner-trading.co.jp"),
        subject="資料送付",
        text="資料を送付します。",
        attachments=[(path.name, path.read_bytes(), "application/octet-stream")],
    )
    return {s.id for s in analyse(raw, limits=RELAXED).signals}


def _files(*parts: str, pattern: str = "*") -> list[Path]:
    if OFFICE is None:
        return []
    folder = OFFICE.joinpath(*parts)
    return sorted(p for p in folder.glob(pattern) if p.is_file()) if folder.exists() else []


@needs_corpus
@pytest.mark.parametrize("path", _files("xlsxwriter_vba", pattern="*.xlsm"), ids=lambda p: p.name)
def test_xlsm_with_vba_is_a_macro_document(path: Path) -> None:
    assert "attachment.macro" in _signals_for(path)


@needs_corpus
@pytest.mark.parametrize("path", _files("oletools_test-data", "encrypted"), ids=lambda p: p.name)
def test_encrypted_office_is_reported(path: Path) -> None:
    # Excel's default password (VelvetSweatshop) opens without a prompt: it is decrypted and
    # said so; every other password leaves the content unreadable.
    expected = (
        "attachment.office_default_password"
        if "standardpassword" in path.name
        else "attachment.encrypted_office"
    )
    assert expected in _signals_for(path)


@needs_corpus
@pytest.mark.parametrize(
    "path",
    [p for p in _files("msoffcrypto_encrypted") if "password" in p.name],
    ids=lambda p: p.name,
)
def test_msoffcrypto_password_files_are_encrypted(path: Path) -> None:
    assert "attachment.encrypted_office" in _signals_for(path)


@needs_corpus
@pytest.mark.parametrize(
    "path",
    [p for p in _files("msoffcrypto_encrypted") if p.name.startswith("plain")],
    ids=lambda p: p.name,
)
def test_plain_legacy_office_is_quiet(path: Path) -> None:
    found = _signals_for(path)
    assert not found & {"attachment.encrypted_office", "attachment.macro"}, found


@needs_corpus
def test_ppt_with_vba_and_docm_with_vba() -> None:
    for parts in (
        ("oletools_test-data", "olevba", "sample_with_vba.ppt"),
        ("oletools_test-data", "oleform", "oleform-PR314.docm"),
    ):
        path = OFFICE.joinpath(*parts)  # type: ignore[union-attr]
        if path.exists():
            assert "attachment.macro" in _signals_for(path), path.name


@needs_corpus
@pytest.mark.parametrize(
    "name", ["excel4_sample_macro.xls", "excel4_sample_macro.xlsm", "excel4_sample_macro.xlsb"]
)
def test_excel4_macros_are_detected(name: str) -> None:
    path = OFFICE / "oletools_test-data" / "excel4-macros" / name  # type: ignore[operator]
    if not path.exists():
        pytest.skip(f"{name} not in this corpus")
    found = _signals_for(path)
    assert "attachment.xlm_macro" in found or "attachment.macro" in found, found


@needs_corpus
def test_harmless_docx_is_quiet() -> None:
    path = OFFICE / "oletools_test-data" / "msodde" / "harmless-clean.docx"  # type: ignore[operator]
    found = _signals_for(path)
    assert not any(s.startswith("attachment.") for s in found), found


@needs_corpus
def test_macro_document_inside_a_zip_is_found() -> None:
    path = OFFICE / "xlsxwriter_vba" / "macro01.xlsm"  # type: ignore[operator]
    archive = zip_bytes({"請求書/invoice.xlsm": path.read_bytes()})
    raw = build_mail(
        sender=("経理", "keiri@supplier.example.co.jp"),
        subject="請求書",
        text="ご確認ください。",
        attachments=[("invoice.zip", archive, "application/zip")],
    )
    report = analyse(raw, limits=RELAXED)
    evidence = [s.evidence for s in report.signals if s.id == "attachment.macro"]
    assert evidence and "invoice.zip → " in evidence[0]
    assert report.verdict == "danger"


AUTO_RUN_SHELL = (
    'Attribute VB_Name = "Module1"\n'
    "Sub Auto_Open()\n"
    '    Dim target As String\n    target = Environ("TEMP") & "\\update.exe"\n'
    "    Shell target, vbHide\n"
    "End Sub\n"
)
PLAIN_MACRO = (
    'Attribute VB_Name = "Module1"\nSub FormatSheet()\n    Range("A1").Font.Bold = True\nEnd Sub\n'
)


def _xlsm_with(source: str) -> bytes:
    from .builders import vba_project_with_source

    template = (OFFICE / "xlsxwriter_vba" / "vbaProject.bin").read_bytes()  # type: ignore[operator]
    project = vba_project_with_source(template, "Module1", source)
    return zip_bytes(
        {
            "[Content_Types].xml": b"<Types/>",
            "xl/workbook.xml": b"<workbook/>",
            "xl/vbaProject.bin": project,
        }
    )


@needs_corpus
def test_auto_run_macro_that_executes_is_flagged_by_mraptor() -> None:
    raw = build_mail(
        sender=("取引先", "tantou@partner-trading.co.jp"),
        subject="請求書",
        text="ご確認ください。",
        attachments=[
            (
                "請求書.xlsm",
                _xlsm_with(AUTO_RUN_SHELL),
                "application/vnd.ms-excel.sheet.macroEnabled.12",
            )
        ],
    )
    signals = {s.id: s.evidence for s in analyse(raw, limits=RELAXED).signals}
    assert "attachment.macro_autoexec" in signals
    assert (
        "A" in signals["attachment.macro_autoexec"] and "X" in signals["attachment.macro_autoexec"]
    )


@needs_corpus
def test_macro_without_auto_run_is_only_a_macro() -> None:
    raw = build_mail(
        sender=("取引先", "tantou@partner-trading.co.jp"),
        subject="集計表",
        text="ご確認ください。",
        attachments=[
            ("集計.xlsm", _xlsm_with(PLAIN_MACRO), "application/vnd.ms-excel.sheet.macroEnabled.12")
        ],
    )
    found = {s.id for s in analyse(raw, limits=RELAXED).signals}
    assert "attachment.macro" in found and "attachment.macro_autoexec" not in found
