"""A new user's first journey through the demo in a real browser (issue 15): sign in, the
dashboard, the first thing to do, its finding, take the action, then the same in English.

Every step is photographed at 1,280 px and at phone width (390 px) into the artefacts folder
($MAMORI_ARTIFACTS_DIR, default var/test-artifacts/screenshots; CI uploads it), and checked:
no horizontal overflow, no button rows that stack at desktop width, no table header broken
inside a word."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .support import artifacts_dir, running_server

pytestmark = pytest.mark.browser

WIDTHS = (1280, 390)

# Rows of buttons a page offers (forms of actions): at desktop width they sit on one line.
STACKED_ROWS = """() => {
  const rows = [...document.querySelectorAll('main .actions, main form.filters .field:last-child')];
  const stacked = [];
  for (const row of rows) {
    const buttons = [...row.querySelectorAll(':scope > button, :scope > a.button, :scope > form > button')]
      .filter(b => b.offsetParent !== null);
    const tops = new Set(buttons.map(b => Math.round(b.getBoundingClientRect().top / 8)));
    if (buttons.length > 1 && tops.size > 1) stacked.push(row.outerHTML.slice(0, 160));
  }
  return stacked;
}"""
# A header or button whose text wraps although it is a single word (「重要度」 over two lines, a
# button label cut in two): its height is more than one line of its own font.
WRAPPED_WORDS = """() => {
  const broken = [];
  for (const el of document.querySelectorAll('main th, main button, main a.button')) {
    if (el.offsetParent === null) continue;
    const text = el.innerText.trim();
    if (!text || /\\s/.test(text) || text.length > 12) continue;
    const style = getComputedStyle(el);
    const line = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.6;
    const inner = el.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
    if (inner > line * 1.5) broken.push(text);
  }
  return broken;
}"""


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[tuple[str, dict[str, tuple[str, str]]]]:
    """`mamori serve` with the demo loaded; the sign-in details as `mamori demo` prints them."""
    data = tmp_path / "data"
    with running_server(data) as base:
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env.update(MAMORI_DATA_DIR=str(data), MAMORI_BASE_URL=base)
        printed = subprocess.run(
            [sys.executable, "-m", "mamori.cli", "demo"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
            timeout=300,
        ).stdout
        users = {
            role: (email, password)
            for role, email, password in re.findall(
                r"^\s+(owner|editor|viewer)\s+(\S+@\S+)\s+(\S+)\s*$", printed, re.M
            )
        }
        assert "owner" in users, printed
        yield base, users


def check(page: Any, name: str) -> None:
    """Photograph the page at both widths and check its layout at each."""
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(50)
        page.screenshot(path=str(artifacts_dir() / f"{name}-{width}.png"), full_page=True)
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, f"{name} at {width} px scrolls sideways by {overflow} px"
        if width >= 1024:
            assert page.evaluate(STACKED_ROWS) == [], f"{name}: buttons stack at {width} px"
            assert page.evaluate(WRAPPED_WORDS) == [], f"{name}: a word wraps at {width} px"
    page.set_viewport_size({"width": 1280, "height": 900})


def sign_in(page: Any, base: str, email: str, password: str) -> None:
    page.goto(base + "/accounts/login/")
    page.fill("#id_email", email)
    page.fill("#id_password", password)
    page.click("form button.primary")
    page.wait_for_selector("h1")


def test_new_user_from_dashboard_to_the_first_action_in_both_languages(
    demo: tuple[str, dict[str, tuple[str, str]]], page: Any
) -> None:
    base, users = demo
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, base, *users["editor"])
    page.goto(base + "/o/demo/")
    first = page.locator("[data-testid=first-things] ol li a").first
    title = first.inner_text()
    assert " — " in title  # named by the problem, then its object
    check(page, "01-dashboard-ja")

    first.click()
    page.wait_for_selector("main h1")
    assert "/findings/" in page.url
    check(page, "02-finding-ja")

    # Take the action: the finding and its action then agree (対応中).
    page.select_option("#id_status", "in_progress")
    page.click("form.filters button.primary")
    page.wait_for_selector("p.status")
    assert "対応中" in page.locator("p.status").inner_text()
    check(page, "03-action-ja")

    page.goto(base + "/o/demo/findings/")
    check(page, "04-findings-ja")

    page.select_option("#lang", "en")
    page.wait_for_function("document.documentElement.lang === 'en'")
    page.goto(base + "/o/demo/")
    assert "Do these first" in page.locator("[data-testid=first-things]").inner_text()
    check(page, "05-dashboard-en")
    page.locator("[data-testid=first-things] ol li a").first.click()
    page.wait_for_selector("main h1")
    assert "In progress" in page.locator("p.status").inner_text()
    check(page, "06-finding-en")
    page.goto(base + "/o/demo/findings/")
    check(page, "07-findings-en")
    assert page.csp_errors == []


def test_the_vulnerability_finding_reads_as_labelled_facts(
    demo: tuple[str, dict[str, tuple[str, str]]], page: Any
) -> None:
    """The demo's Struts finding: one finding, facts with links, at both widths."""
    base, users = demo
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, base, *users["viewer"])
    page.goto(base + "/o/demo/findings/?q=Struts")
    page.locator("main table a").first.click()  # the list names it by its problem
    page.wait_for_selector("dl.facts")
    facts = page.locator("dl.facts").inner_text()
    assert "影響を受ける製品" in facts and "CVSS" in facts
    assert page.locator("dl.facts a[href*='/inventory/software/']").count() >= 1
    check(page, "08-vulnerability-ja")
