"""The first-run journey in a real browser: create the owner, enrol MFA, sign out, sign in
with a TOTP code, switch the language. Runs `mamori serve` as a new user would."""

from __future__ import annotations

from pathlib import Path

import pytest

from .support import PASSWORD, artifacts_dir, code_for, first_run

pytestmark = pytest.mark.browser


def test_first_owner_with_mfa_then_language_switch(
    server: str, page: object, tmp_path: Path
) -> None:
    page.goto(server + "/")
    assert "mamori の初期設定" in page.content()
    secret = first_run(page, server, "さくら商店", "桜井 花子", "hanako@example.jp")
    assert page.locator("[data-testid=recovery-codes] li").count() == 10
    page.screenshot(path=str(tmp_path / "recovery.png"))
    page.click("text=続ける")
    assert page.locator("h1").inner_text() == "さくら商店"

    page.click("text=ログアウト")
    page.wait_for_url("**/accounts/login/")
    page.fill("#id_email", "hanako@example.jp")
    page.fill("#id_password", PASSWORD)
    page.click("form button.primary")
    page.wait_for_url("**/accounts/login/verify/**")
    # The code of the next time step: the current one was used for enrolment.
    page.fill("#id_code", code_for(secret, drift=1))
    page.click("form button.primary")
    page.wait_for_selector("h1")
    assert page.locator("h1").inner_text() == "さくら商店"
    assert "ダッシュボード" in page.locator("nav.mainnav").inner_text()
    # Every navigation entry is reachable without horizontal scrolling at 1,280 px and on a
    # phone: five groups, the current group's entries below them.
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 800})
        overflow = page.evaluate(
            "() => [...document.querySelectorAll('nav.mainnav a')]"
            ".filter(a => a.getBoundingClientRect().right > window.innerWidth + 1).length"
        )
        assert overflow == 0, width
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    page.set_viewport_size({"width": 1280, "height": 800})
    for group in ("状況", "台帳", "検知", "対応", "組織"):
        page.click(f'nav.mainnav .navgroups >> text="{group}"')
        assert page.locator("nav.mainnav .subnav a").count() >= 1
    page.click('nav.mainnav .navgroups >> text="状況"')

    page.select_option("#lang", "en")
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert "Dashboard" in page.locator("nav.mainnav").inner_text()
    page.reload()
    assert "Dashboard" in page.locator("nav.mainnav").inner_text()
    shots = artifacts_dir()
    page.screenshot(path=str(shots / "dashboard-en.png"), full_page=True)
    assert page.csp_errors == []
