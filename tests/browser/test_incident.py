"""The incident journey in a real browser: type what was seen, follow the suggestion to the
ransomware playbook, report it, tick every step, close it and download the dated PDF report."""

from __future__ import annotations

import io
import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from .support import artifacts_dir, first_run

pytestmark = pytest.mark.browser

SYMPTOM = "朝来たらパソコンに身代金を要求する画面が出ていた"
FIRST_STEP = "まずネットワークから切り離す"


def test_ransomware_journey_in_the_browser(server: str, page: object, tmp_path: Path) -> None:
    import pypdf

    first_run(page, server, "さくら商店", "桜井 花子", "hanako@example.jp")
    page.click("text=続ける")

    page.click('nav.mainnav >> text="対応"')
    page.click("nav.mainnav >> text=インシデント")
    page.click("text=何が起きた？")
    page.fill("#id_text", SYMPTOM)
    page.click("form button.primary")
    first = page.locator("#suggestions ol > li").first
    assert "ランサムウェア" in first.inner_text()
    first.locator("a").first.click()
    page.wait_for_url("**/playbooks/ransomware/")
    assert page.locator("#first-steps ol.steps li strong").first.inner_text() == FIRST_STEP
    shots = artifacts_dir()
    page.screenshot(path=str(shots / "incident-playbook.png"), full_page=True)

    page.click("text=このインシデントを報告する")
    page.click("form button.primary")
    page.wait_for_url(re.compile(r".*/incidents/\d+/$"))
    assert FIRST_STEP in page.locator("#next-step").inner_text()

    buttons = page.locator("#checklist button.primary")
    total = buttons.count()
    assert total > 5
    for _ in range(total):
        with page.expect_navigation():
            page.locator("#checklist button.primary").first.click()
    assert page.locator("#checklist button.primary").count() == 0
    assert page.locator("#next-step").count() == 0
    assert (
        page.locator(
            "#checklist td", has_text=datetime.now(ZoneInfo("Asia/Tokyo")).strftime("%Y-%m-%d")
        ).count()
        > 0
    )

    for status in ("responding", "contained", "recovered", "review", "closed"):
        page.select_option("#id_status", status)
        with page.expect_navigation():
            page.click("#status-form button")
    assert "完了" in page.locator("p.status").inner_text()
    page.screenshot(path=str(shots / "incident-closed.png"), full_page=True)

    with page.expect_download() as info:
        page.click("text=報告書（PDF）")
    download = info.value
    assert re.fullmatch(r"incident-\d+-\d{8}-\d{4}\.pdf", download.suggested_filename)
    target = tmp_path / download.suggested_filename
    download.save_as(str(target))
    reader = pypdf.PdfReader(io.BytesIO(target.read_bytes()))
    text = "".join(p.extract_text() for p in reader.pages).replace("\n", "")
    assert "インシデント報告書" in text and FIRST_STEP in text
    assert page.csp_errors == []
