"""Change classification between a baseline and a new fetch, and the diff views."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mamori.monitoring.compare import compare, missing_keywords, same_site, side_by_side, text_diff
from mamori.monitoring.fingerprint import fingerprint

URL = "https://www.shop.example/"
SITE = "shop.example"
BASE_BODY = (
    '<h1>山田商店</h1><p>営業時間 10:00-18:00</p><script src="/js/site.js"></script>'
    '<script src="https://www.googletagmanager.com/gtag/js"></script>'
    '<form action="/contact"><input name=q></form><a href="https://partner.example.org/">p</a>'
    '<iframe src="https://www.youtube.com/embed/abc"></iframe>'
)


def fp(body: str, ignore: tuple[str, ...] = ()) -> object:
    html = f"<html><head><title>t</title></head><body>{body}</body></html>".encode()
    return fingerprint(html, page_url=URL, ignore_selectors=ignore)


BASE = fp(BASE_BODY)


def codes(change: object) -> list[str]:
    return [item.code for item in change.reasons]  # type: ignore[attr-defined]


def test_identical_page_is_no_change() -> None:
    change = compare(BASE, fp(BASE_BODY), site_domain=SITE)
    assert change.level == "none" and change.reasons == () and not change.changed


def test_new_external_script_domain_is_danger() -> None:
    new = fp(BASE_BODY + '<script src="https://evil.example/x.js"></script>')
    change = compare(BASE, new, site_domain=SITE)
    assert change.level == "danger"
    assert codes(change) == ["new_script_domain"]
    assert change.reasons[0].evidence == ("https://evil.example/x.js",)
    assert "evil.example" in change.reasons[0].ja and "evil.example" in change.reasons[0].en
    assert not change.text_changed


def test_script_from_own_site_or_subdomain_is_caution() -> None:
    new = fp(
        BASE_BODY
        + '<script src="/js/new.js"></script><script src="https://cdn.shop.example/a.js"></script>'
    )
    change = compare(BASE, new, site_domain=SITE)
    assert change.level == "caution"
    assert codes(change) == ["new_script_url"]
    assert len(change.reasons[0].evidence) == 2


def test_new_script_on_a_domain_already_used_is_caution() -> None:
    new = fp(BASE_BODY + '<script src="https://www.googletagmanager.com/other.js"></script>')
    assert compare(BASE, new, site_domain=SITE).level == "caution"


def test_new_iframe_domain_is_danger_and_known_one_is_not() -> None:
    evil = fp(BASE_BODY + '<iframe src="http://malware.example/land" width=1 height=1></iframe>')
    change = compare(BASE, evil, site_domain=SITE)
    assert change.level == "danger" and "new_frame_domain" in codes(change)
    video = fp(BASE_BODY + '<iframe src="https://www.youtube.com/embed/other"></iframe>')
    assert compare(BASE, video, site_domain=SITE).level == "caution"


def test_object_and_embed_count_as_frames() -> None:
    new = fp(BASE_BODY + '<object data="https://bad.example/o.swf"></object>')
    assert "new_frame_domain" in codes(compare(BASE, new, site_domain=SITE))


def test_form_posting_to_another_domain_is_danger() -> None:
    new = fp(BASE_BODY.replace('action="/contact"', 'action="https://collector.example/p"'))
    change = compare(BASE, new, site_domain=SITE)
    assert change.level == "danger" and codes(change) == ["new_form_target"]
    own = fp(BASE_BODY.replace('action="/contact"', 'action="/contact2"'))
    assert compare(BASE, own, site_domain=SITE).level == "none"


def test_meta_refresh_to_another_domain_is_danger() -> None:
    html = (
        "<html><head><title>t</title><meta http-equiv=refresh content='0;url=https://scam.example/'>"
        f"</head><body>{BASE_BODY}</body></html>"
    ).encode()
    change = compare(BASE, fingerprint(html, page_url=URL), site_domain=SITE)
    assert change.level == "danger" and "new_meta_refresh" in codes(change)


def test_hidden_external_links_are_danger_and_a_visible_one_is_information() -> None:
    hidden = fp(
        BASE_BODY + '<div style="display:none"><a href="https://pills.example/">x</a></div>'
    )
    change = compare(BASE, hidden, site_domain=SITE)
    assert change.level == "danger"
    assert "new_hidden_external_links" in codes(change)
    assert "new_link_domains" not in codes(change)
    shown = fp(BASE_BODY + '<a href="https://news.example.net/">news</a>')
    change = compare(BASE, shown, site_domain=SITE)
    assert change.level == "info"
    assert "new_link_domains" in codes(change) and "routine_text" in codes(change)


def test_visible_text_change_is_caution_with_diff() -> None:
    new = fp(BASE_BODY.replace("10:00-18:00", "11:00-15:00（臨時）"))
    change = compare(BASE, new, site_domain=SITE)
    assert change.level == "caution" and codes(change) == ["text_changed"]
    assert "-営業時間 10:00-18:00" in change.text_diff
    assert "+営業時間 11:00-15:00（臨時）" in change.text_diff
    assert change.reasons[0].evidence == ("-営業時間 10:00-18:00", "+営業時間 11:00-15:00（臨時）")
    defaced = fp(BASE_BODY.replace("10:00-18:00", "Hacked by someone"))
    change = compare(BASE, defaced, site_domain=SITE)
    assert change.level == "danger" and codes(change)[0] == "defacement_message"


def test_change_inside_ignored_region_is_not_reported() -> None:
    body = BASE_BODY + '<p class="counter">visits: 100</p>'
    old = fp(body, ignore=(".counter",))
    new = fp(body.replace("100", "101"), ignore=(".counter",))
    change = compare(old, new, site_domain=SITE)
    assert change.level == "none" and change.raw_changed
    assert codes(change) == ["markup_changed"]


def test_removals_alone_are_not_danger() -> None:
    new = fp(
        BASE_BODY.replace('<script src="https://www.googletagmanager.com/gtag/js"></script>', "")
    )
    assert compare(BASE, new, site_domain=SITE).level == "none"


def test_expected_keywords() -> None:
    change = compare(
        BASE, BASE, site_domain=SITE, expected_keywords=["山田商店", "営業時間", "ＡＢＣ"]
    )
    assert change.level == "caution"
    assert change.reasons[0].code == "missing_keywords"
    assert change.reasons[0].evidence == ("ＡＢＣ",)
    assert missing_keywords("Welcome to abc", ["ＡＢＣ", "WELCOME"]) == []


def test_same_site() -> None:
    assert same_site("www.shop.example", "shop.example")
    assert same_site("cdn.example.co.jp", "www.example.co.jp")
    assert not same_site("example.co.jp", "other.co.jp")
    assert not same_site("evil-shop.example", "shop.example")
    assert not same_site("a.github.io", "b.github.io")  # private suffix: different owners
    assert same_site("127.0.0.1", "127.0.0.1") and not same_site("127.0.0.2", "127.0.0.1")


def test_change_to_dict_is_plain_data() -> None:
    change = compare(BASE, fp(BASE_BODY + "<p>more</p>"), site_domain=SITE)
    data = change.to_dict()
    assert data["level"] == "caution" and data["reasons"][0]["code"] == "text_changed"


LINES = st.lists(st.sampled_from(["a", "b", "c", "お知らせ", "", "x y"]), max_size=40)


@settings(max_examples=200, deadline=None)
@given(LINES, LINES)
def test_side_by_side_rows_rebuild_both_texts(old: list[str], new: list[str]) -> None:
    old_text, new_text = "\n".join(old), "\n".join(new)
    view = side_by_side(old_text, new_text, context=10_000)
    assert all(row.kind != "skip" for row in view.rows)
    left = [row.left for row in view.rows if row.left_number is not None]
    right = [row.right for row in view.rows if row.right_number is not None]
    assert left == old_text.splitlines()
    assert right == new_text.splitlines()
    changed = any(row.kind != "equal" for row in view.rows)
    assert changed == (old_text.splitlines() != new_text.splitlines())


def test_side_by_side_collapses_long_unchanged_runs() -> None:
    old = "\n".join(f"line {n}" for n in range(100))
    new = old.replace("line 50", "line fifty")
    view = side_by_side(old, new, context=2)
    kinds = [row.kind for row in view.rows]
    assert kinds == ["skip", "equal", "equal", "replace", "equal", "equal", "skip"]
    assert view.rows[0].skipped == 48 and view.rows[-1].skipped == 47
    replaced = view.rows[3]
    assert (replaced.left_number, replaced.left, replaced.right) == (51, "line 50", "line fifty")


def test_text_diff_is_capped() -> None:
    old = "\n".join(f"o{n}" for n in range(3000))
    new = "\n".join(f"n{n}" for n in range(3000))
    assert len(text_diff(old, new)) <= 401
