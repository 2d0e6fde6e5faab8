"""Latin words in a PDF are set in a Latin font: in the Japanese CID font each letter takes a
full-width advance and a reader sees 「m am ori」 instead of "mamori"."""

from __future__ import annotations

import io
import re

import pypdf

from mamori.reports.pdf import build_pdf, paragraph, table


def _chunks(data: bytes) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []

    def visit(text: str, _cm: object, _tm: object, font: object, _size: object) -> None:
        if text.strip() and isinstance(font, dict):
            found.append((text, str(font.get("/BaseFont", ""))))

    for page in pypdf.PdfReader(io.BytesIO(data)).pages:
        page.extract_text(visitor_text=visit)
    return found


def test_latin_runs_use_the_latin_font_and_japanese_the_cid_font() -> None:
    data = build_pdf(
        [
            paragraph("mamori の demo で software を確認: Apache Struts 2.5.30 (CVE-2023-50164)"),
            table([["製品", "version"], ["OpenSSL", "3.0.7"]]),
        ]
    )
    chunks = _chunks(data)
    latin = [(text, font) for text, font in chunks if re.search(r"[A-Za-z0-9]", text)]
    japanese = [(text, font) for text, font in chunks if re.search(r"[ぁ-んァ-ン一-龥]", text)]
    assert latin and japanese
    assert all("Helvetica" in font for _text, font in latin), latin
    assert all("HeiseiKakuGo" in font for _text, font in japanese), japanese
    words = " ".join(text for text, _font in chunks)
    for word in ("mamori", "software", "Apache Struts 2.5.30", "OpenSSL"):
        assert word in words


def test_markup_in_text_stays_text() -> None:
    data = build_pdf([paragraph('<font face="Courier">x</font> & <b>y</b>')])
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)
    assert '<font face="Courier">x</font>' in text and "<b>y</b>" in text
