from __future__ import annotations

import io

from pypdf import PdfReader

from mamori.reports.pdf import build_pdf, bullets, paragraph, table


def _text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_japanese_text_and_markup_come_back_verbatim() -> None:
    data = build_pdf(
        [
            paragraph("情報セキュリティ基本方針 <b>太字?</b> & 記号", "title"),
            bullets(["更新を適用する", "パスワードを使い回さない"]),
            table([["項目", "状態"], ["ウイルス対策", "<未実施>"]]),
        ],
        title="テスト",
    )
    assert data.startswith(b"%PDF")
    text = _text(data)
    assert "情報セキュリティ基本方針 <b>太字?</b> & 記号" in text
    assert "パスワードを使い回さない" in text
    assert "<未実施>" in text


def test_runaway_text_is_capped() -> None:
    data = build_pdf([paragraph("あ" * 100_000)])
    assert _text(data).count("あ") == 20_000
