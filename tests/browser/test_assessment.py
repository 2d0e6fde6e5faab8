"""The owner's basic check in a real browser: first run, then the basic measures check
(ipa_basic) answered section by section, completed, a score with the first five actions, and
the one-page report. Runs `mamori serve` as a new user would."""

from __future__ import annotations

from pathlib import Path

import pytest

from .support import artifacts_dir, first_run

pytestmark = pytest.mark.browser

# Answers that are not "done": they become the actions on the result page.
GAPS = {
    "b01_updates": "partial",
    "b03_passwords": "not_done",
    "s11_backup": "unknown",
    "o20_training": "not_done",
    "o24_incident": "partial",
    "o25_rules": "not_done",
}


def sign_up(page: object, base: str) -> None:
    first_run(page, base, "みどり工務店", "緑川 一郎", "ichiro@example.jp")
    page.click("text=続ける")
    page.wait_for_selector("h1")


def test_owner_completes_the_basic_check_and_sees_score_actions_and_report(
    server: str,
    page: object,
    tmp_path: Path,
) -> None:
    sign_up(page, server)
    page.click('nav.mainnav >> text="対応"')
    page.click("nav.mainnav >> text=自己診断")
    page.select_option("#id_questionnaire", "ipa_basic")
    page.click("[data-testid=start]")
    for _ in range(3):
        page.wait_for_selector("[data-testid=next]")
        for radio in page.locator("input[type=radio][value=done]").all():
            radio.check()
        for question, answer in GAPS.items():
            target = page.locator(f"input[name={question}][value={answer}]")
            if target.count():
                target.check()
        page.click("[data-testid=next]")
    page.wait_for_selector("[data-testid=complete]")
    assert page.locator("[data-testid=preview-score]").inner_text().strip().startswith("79")
    page.click("[data-testid=complete]")
    page.wait_for_selector("[data-testid=score]")
    assert page.locator("[data-testid=score]").inner_text().startswith("79 / 100")
    assert page.locator("svg.section-chart").count() == 1
    assert page.locator("[data-testid=first-actions] > li").count() == 5
    page.click("text=経営者向け報告")
    page.wait_for_selector("[data-testid=risks]")
    assert "負のコスト" in page.content()
    assert page.locator("[data-testid=risks] li").count() == 5
    page.emulate_media(media="print")
    assert page.locator("nav.mainnav").is_hidden()
    shots = artifacts_dir()
    page.screenshot(path=str(shots / "report-print.png"), full_page=True)
    page.emulate_media(media="screen")
    page.click('nav.mainnav >> text="状況"')
    assert "79" in page.locator(".tiles").inner_text()
    assert page.csp_errors == []
