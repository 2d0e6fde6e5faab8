"""Origin and family keys, inline-script shapes and flags, CSS hiding, CMS detection."""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from mamori.monitoring import fingerprint as fp_module
from mamori.monitoring import hiding, jsscan
from mamori.monitoring.fingerprint import css_hidden, fingerprint
from mamori.monitoring.origins import family_key, origin_key
from mamori.monitoring.software import Component, detect


def test_user_content_cdns_keep_the_publisher_in_the_origin() -> None:
    assert origin_key("https://cdn.jsdelivr.net/npm/bootstrap@5.2.3/dist/js/b.js") == (
        "cdn.jsdelivr.net/npm/bootstrap"
    )
    assert (
        origin_key("https://cdn.jsdelivr.net/gh/evil/kit@1.0/x.js")
        == "cdn.jsdelivr.net/gh/evil/kit"
    )
    assert origin_key("https://unpkg.com/@scope/pkg@1.2.3/i.js") == "unpkg.com/@scope/pkg"
    assert origin_key("https://raw.githubusercontent.com/u/r/main/t.js") == (
        "raw.githubusercontent.com/u/r"
    )
    assert origin_key("https://ipfs.io/ipfs/bafyabc/x.js") == "ipfs.io/ipfs/bafyabc"
    assert (
        origin_key("https://www.googletagmanager.com/gtag/js?id=G-1") == "www.googletagmanager.com"
    )


def test_family_keys_mask_versions_and_hashes_only() -> None:
    same = [
        ("https://cdn.jsdelivr.net/npm/bootstrap@5.2.3/dist/js/bootstrap.bundle.min.js",
         "https://cdn.jsdelivr.net/npm/bootstrap@5.3.3/dist/js/bootstrap.bundle.min.js"),
        ("https://code.jquery.com/jquery-3.6.0.min.js", "https://code.jquery.com/jquery-3.7.1.min.js"),
        ("https://cdnjs.cloudflare.com/ajax/libs/jquery/3.6.0/jquery.min.js",
         "https://cdnjs.cloudflare.com/ajax/libs/jquery/3.7.1/jquery.min.js"),
        ("https://a.jp/assets/app.8e1d4c2f.js", "https://a.jp/assets/app.1f7b9e03.js"),
        ("https://a.jp/assets/index-BxY3kq2a.js", "https://a.jp/assets/index-Cq81LmZ0.js"),
    ]  # fmt: skip
    for old, new in same:
        assert family_key(old) == family_key(new), (old, new)
    assert family_key("https://a.jp/js/app.js") != family_key("https://a.jp/js/other.js")
    assert family_key("https://a.jp/js/jquery.min.js") != family_key(
        "https://a.jp/js/bundle.min.js"
    )


def test_shapes_ignore_values_but_keep_hosts() -> None:
    a = "gtag('config','G-ABC123XYZ'); var n = 'f3a9c2e1d0';"
    b = "gtag('config','G-QQQ999ZZZ'); var n = '0011aa22bb';"
    assert jsscan.shape(a) == jsscan.shape(b)
    c = "s.src='https://own.example.jp/a.js'"
    d = "s.src='https://evil.example/a.js'"
    assert jsscan.shape(c) != jsscan.shape(d)
    assert jsscan.shape("f(1)") != jsscan.shape("g(1)")


def test_flags_of_inline_scripts() -> None:
    assert "loader" in jsscan.script_flags(
        "var s=document.createElement('script');s.src='//'+h+'/x.js';document.head.appendChild(s)"
    )
    assert "write_script" in jsscan.script_flags("document.write('<scr'+'ipt src=x></scr'+'ipt>')")
    assert "encoded" in jsscan.script_flags("eval(atob('YQ=='))")
    assert "encoded" in jsscan.script_flags("var _0x3f2a=['a'];")
    assert "redirect@scam.example" in jsscan.script_flags(
        "location.replace('https://scam.example/')"
    )
    assert "redirect@scam.example" in jsscan.script_flags(
        "window.location='https://sc'+'am.example/'"
    )
    assert "skimmer" in jsscan.script_flags(
        "document.addEventListener('blur',e=>{if(e.target.name=='cc-number')fetch('/x',{body:e.target.value})})"
    )
    # Ordinary code: no flags (anonymous functions, a literal own script, a dataLayer push).
    assert (
        jsscan.script_flags("document.addEventListener('click', function(e){ menu.toggle(); });")
        == []
    )
    assert (
        jsscan.script_flags(
            "window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}"
        )
        == []
    )
    assert jsscan.is_harmless_js_url("javascript:void(0);")
    assert not jsscan.is_harmless_js_url("javascript:alert(1)")


def test_css_classes_that_hide_blocks_but_not_menus_or_animations() -> None:
    hidden = css_hidden(
        [
            ".spam{position:absolute;left:-9999px} #x{display:none}"
            ".sub-menu:hover{display:none} .wow{visibility:hidden}"
            "@media (max-width:600px){.desktop{display:none}} .sr-only{display:none}"
        ]
    )
    assert hidden.classes == {"spam"} and hidden.ids == {"x"}


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_scanners_never_raise(text: str) -> None:
    jsscan.shape(text)
    jsscan.script_flags(text)
    jsscan.url_hosts_in_css(text)
    css_hidden([text])


# Pieces that make the scanners' patterns match, nearly match or change case oddly.
_JS_PIECES = [
    "eval(", "EVAL (", "atob(", "fromCharCode", "new Function(", "Function('", "x.Function(",
    "['eval']", "setTimeout('", "_0xabcd", "\\x41", "\\u0041", "location=", "location==",
    "top.location.href =", "location.replace(", "window.open(", "document.referrer",
    "navigator.userAgent", "cc-num", "card number", "cvv2", " cvc ", "security code", "billing",
    "カード番号", "passwd", "[type=password", "addEventListener('submit'", ".onsubmit=",
    ".blur (", "fetch(", "sendBeacon(", ".open('POST'", "new Image(", "$.ajax(", ".value",
    "FormData(", "querySelectorAll('input", "document.write('<scr", "createElement('script')",
    "'", '"', "`", "\\", "\n", " ", "a", "_", ".", "İ", "ı", "ſ", "K", "ſecurity code",
    "//cdn.example.org", "https://a.example/x", "x" * 700, "\\'" * 300,
]  # fmt: skip


def _reference(anywhere: object) -> re.Pattern[str]:
    """The scanner's patterns as one alternation, searched the plain way."""
    parts = []
    for _keyword, pattern, _ignore_case, _needed in anywhere.patterns:  # type: ignore[attr-defined]
        flags = ("i" if pattern.flags & re.I else "") + ("s" if pattern.flags & re.S else "")
        parts.append(f"(?{flags or '-i'}:{pattern.pattern})")
    return re.compile("|".join(parts))


_SCANNERS = [
    getattr(jsscan, name)
    for name in ("_WRITE_SCRIPT", "_EVAL", "_REDIRECT", "_REFERRER", "_PAYMENT_FIELD",
                 "_LISTENER", "_EXFIL", "_FORM_READ", "_CREATE_SCRIPT")
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_JS_PIECES), max_size=14).map("".join))
def test_keyword_scanners_find_what_their_patterns_find(text: str) -> None:
    folded = jsscan.fold_case(text)
    assert len(folded) == len(text)
    for scanner in _SCANNERS:
        assert scanner.search(text, folded) == bool(_reference(scanner).search(text)), scanner
    assert jsscan._mask_strings(text) == jsscan._STRING.sub(jsscan._mask_string, text)


def test_string_masking_keeps_the_length_limit() -> None:
    """Strings over 2,000 characters are not masked whole (inner quotes start new strings)."""
    for text in ("'" + "a" * 2000 + "'", "'" + "a" * 2001 + "'", "'" + "\\a" * 1001 + "'",
                 "`" + "b" * 4001 + "` x='y'", "'" + "a" * 2001 + '"in"' + "'"):  # fmt: skip
        assert jsscan._mask_strings(text) == jsscan._STRING.sub(jsscan._mask_string, text)
    assert jsscan._mask_strings("'" + "a" * 2001 + '"in"' + "'") == "'" + "a" * 2001 + "S'"


_LONG_STRING_PIECES = ["a" * 700, "b" * 1500, '\\"', "\\'", "\\`", "\\\\", '"', "'", "`", "\n",
                       "\\\n", "//x.example/", " ", "\\u0041"]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_LONG_STRING_PIECES), max_size=24).map("".join))
@example('"' + 'a\\"' * 1100 + "\" 'x' \"" + "b" * 2100 + "\" '//y.example/'")
@example('"' + "b" * 2100 + '" \'x\' "c"')
def test_long_strings_are_searched_as_the_bounded_pattern_searches(text: str) -> None:
    """Strings over the limit: the quotes inside are tried in turn, as _STRING tries them."""
    assert jsscan._mask_strings(text) == jsscan._STRING.sub(jsscan._mask_string, text)


def test_strings_from_escaped_quotes_inside_a_long_string_at_the_limit() -> None:
    """A quote escaped inside an over-long string starts a string as long as the rest."""
    for units in (1998, 1999, 2000, 2001, 2002):
        for tail in ("a" * units, "\\u" + "a" * (units - 1), "a" * (units - 1) + "\\\\"):
            text = '"' + "x" * 2100 + '\\"' + tail + '" y'
            expected = jsscan._STRING.sub(jsscan._mask_string, text)
            assert jsscan._mask_strings(text) == expected, (units, tail[:3])


def test_cms_and_plugins_from_generator_and_asset_versions() -> None:
    found = detect(
        ["WordPress 6.4.2", "WooCommerce 8.2.1"],
        [
            "https://a.jp/wp-includes/js/jquery/jquery.min.js?ver=3.7.1",
            "https://a.jp/wp-content/plugins/contact-form-7/includes/js/index.js?ver=5.8.4",
            "https://a.jp/wp-content/themes/kobo/style.css?ver=1.3.0",
        ],
    )
    assert found[0] == Component("cms", "WordPress", "6.4.2")
    assert Component("plugin", "contact-form-7", "5.8.4") in found
    assert Component("theme", "kobo", "1.3.0") in found
    assert Component("plugin", "WooCommerce", "8.2.1") in found
    # No generator (hidden by a security plugin): the core version comes from core assets.
    found = detect(
        [],
        [
            "https://a.jp/wp-includes/js/jquery/jquery.min.js?ver=3.7.1",
            "https://a.jp/wp-includes/css/dist/block-library/style.min.css?ver=6.5.3",
            "https://a.jp/wp-includes/js/wp-emoji-release.min.js?ver=6.5.3",
        ],
    )
    assert found[0] == Component("cms", "WordPress", "6.5.3")
    assert detect(["Drupal 10 (https://www.drupal.org)"], [])[0] == Component("cms", "Drupal", "10")
    assert detect([], ["https://a.jp/js/app.js"]) == []


def test_fingerprint_carries_software_and_new_structure() -> None:
    html = (
        b'<html><head><meta name="generator" content="WordPress 6.4.2">'
        b"<style>@import url(https://fonts.example/f.css);.h{display:none}</style></head><body>"
        b'<img src=x onerror="alert(1)"><a href="javascript:alert(2)">x</a>'
        b'<div class="h"><a href="https://spam.example/">s</a></div></body></html>'
    )
    page = fingerprint(html, page_url="https://a.jp/")
    assert page.software == ("cms|WordPress|6.4.2",)
    assert page.styles == ("https://fonts.example/f.css",)
    assert list(page.handlers.values()) == ['<img onerror="alert(1)">']
    assert page.js_urls == ("a[href]=javascript:alert(2)",)
    assert page.hidden_links == ("https://spam.example/",)


def test_framework_hiding_classes_unless_shown_again_on_larger_screens() -> None:
    def hidden(cls: str) -> tuple[str, ...]:
        html = (
            f'<html><body><div class="{cls}"><a href="https://x.example/">x</a></div></body></html>'
        )
        return fingerprint(html.encode(), page_url="https://a.jp/").hidden_links

    assert hidden("d-none") == ("https://x.example/",)
    assert hidden("sr-only") == ("https://x.example/",)
    assert hidden("d-none d-md-block") == ()
    assert hidden("hidden md:block") == ()
    assert hidden("news-list") == ()


def test_scripts_from_upload_folders_are_danger() -> None:
    from mamori.monitoring.compare import compare

    base = b'<html><body><script src="/js/app.js"></script></body></html>'
    old = fingerprint(base, page_url="https://a.jp/")
    for path in ("/wp-content/uploads/2024/x.js", "/images/logo.png", "/js/app2.js"):
        new = fingerprint(base.replace(b"</body>", f'<script src="{path}"></script></body>'.encode()),
                          page_url="https://a.jp/")  # fmt: skip
        level = compare(old, new, site_domain="a.jp").level
        assert level == ("caution" if path == "/js/app2.js" else "danger"), path


# Declarations that make the CSS hiding patterns match, nearly match or change case oddly.
_CSS_PIECES = [
    "display:none", "DISPLAY : NONE", "diſplay:none", "dİsplay:none", "dıſplay: none",
    "visibility:hidden", "vıſıbılıty:hidden", "VİSİBİLİTY:HİDDEN", "opacity:0", "OPACITY:0.0!",
    "opacity:0.5", "height:0", "Height: 1PX", "max-height:0.0px", "font-size:0;", "fONT-ſize:0",
    "width:0", "left:-9999px", "TOP: -100px", "text-İndent:-999em", "margin-top:-999px",
    "margin-left:-12px", "left:-٣٣٣px", "color:red", ":", " ", "\n", ";", "!", "0", "1px",
    "-", "-9999", "none", "hidden", "height", "top", "K", "a",
]  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_CSS_PIECES), max_size=12).map("".join))
def test_css_rules_are_read_as_the_whole_patterns_read_them(body: str) -> None:
    block = re.compile(
        r"display\s*:\s*none"
        r"|(?:^|[;\s])(?:height|font-size|max-height)\s*:\s*(?:0(?:\.0+)?(?:px|pt|em|rem|%)?|1px)\s*(?:;|$|!)"
        r"|(?:left|top|text-indent|margin-left|margin-top)\s*:\s*-\d{3,}",
        re.IGNORECASE,
    )
    fade = re.compile(r"visibility\s*:\s*hidden|opacity\s*:\s*0(?:\.0+)?\s*(?:;|$|!)", re.I)
    expected = "block" if block.search(body) else "fade" if fade.search(body) else None
    assert hiding._hiding_kind(body) == expected


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_JS_PIECES + ["'x'+'y'", "' + \"", "+"]), max_size=14).map("".join))
def test_script_text_shortcuts_agree_with_the_patterns(text: str) -> None:
    """Joining skips texts without '+'; whitespace is collapsed with str.split."""
    joined = text
    for _ in range(5):
        joined = jsscan._CONCAT.sub("", joined)
    assert jsscan._joined(text) == joined
    assert " ".join(text.split()) == re.sub(r"\s+", " ", text).strip()


_NUMBER_PIECES = ["0", "7", "٣", "0x1f", "0X1F", "x", "a", "_", ".", " ", "-", "é", "1_000", "3.14"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_NUMBER_PIECES), max_size=12).map("".join))
def test_number_masking_finds_what_the_word_boundary_pattern_finds(text: str) -> None:
    reference = re.compile(r"\b\d[\d_.]*\b|\b0x[0-9a-fA-F]+\b")
    assert [m.span() for m in jsscan._NUMBER.finditer(text)] == [
        m.span() for m in reference.finditer(text)
    ]


_TOKEN_PIECES = ["abcdefghijkl", "abcdef", "0", "9", "٣", "_", "-", "é", " ", "x", "Z", "'"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_TOKEN_PIECES), max_size=10).map("".join))
@example("abcdefghij0 abcdefghijk0 abcdefghijkl٣")
def test_token_masking_masks_what_the_plain_pattern_and_digit_test_mask(text: str) -> None:
    def masked(match: re.Match[str]) -> str:
        return "T" if re.search(r"\d", match.group(0)) else match.group(0)

    expected = re.sub(r"[A-Za-z0-9_-]{12,}", masked, text)
    assert jsscan._TOKEN.sub("T", text) == expected
    assert jsscan._mask_tokens(text) == expected
    assert jsscan._mask_tokens(text.replace("٣", "").replace("é", "")) == re.sub(
        r"[A-Za-z0-9_-]{12,}", masked, text.replace("٣", "").replace("é", "")
    )


def _rules_by_every_punctuation(css: str) -> list[tuple[str, str]]:
    """The plain reading of top-level rules: every '{', '}' and ';' visited in turn."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    rules: list[tuple[str, str]] = []
    depth = selector_start = body_start = 0
    selector, skipping = "", False
    for match in re.finditer(r"[{};]", css):
        char, index = match.group(0), match.start()
        if char == "{":
            if depth == 0:
                selector = css[selector_start:index].strip()
                skipping, body_start = selector.startswith("@"), index + 1
            depth += 1
        elif char == "}":
            depth -= 1
            if depth <= 0:
                depth = 0
                if not skipping:
                    rules.append((selector, css[body_start:index]))
                selector_start, skipping = index + 1, False
        elif depth == 0:
            selector_start = index + 1
    return rules


_RULE_PIECES = [
    "{",
    "}",
    ";",
    ".a",
    "#b",
    " ",
    "@media x",
    "@import 'y'",
    "display:none",
    "/*",
    "*/",
]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_RULE_PIECES), max_size=16).map("".join))
def test_top_level_rules_match_the_plain_reading(css: str) -> None:
    assert hiding._top_level_rules(css) == _rules_by_every_punctuation(css)


_CLASS_PIECES = ["ad", "ADS", "banner", "hero", "kv", "mv", "Slider", "rotator", "rotat_x", "owl-carousel",
                 "main-visual", "header", "load", "ſlick", "İ", "K", "-", "_", " ", ".", "x", "promo"]  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(
    st.lists(st.sampled_from(_CLASS_PIECES), max_size=8).map("".join),
    st.none() | st.lists(st.sampled_from(_CLASS_PIECES), max_size=4).map("".join),
)
def test_rotating_region_shortcut_agrees_with_the_pattern(names: str, ident: str | None) -> None:
    expected = fp_module._SOFT_REGION.search(f"{names or ''} {ident or ''}") is not None
    assert fp_module._is_soft.__wrapped__(names, ident) == expected


_QUERY_PIECES = ["ver", "=", "6.4.2", "&", "v", "", "a", "%20", "+", ";", "==", "é", "-", "_"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_QUERY_PIECES), max_size=10).map("".join))
@example("ver=1&&ver=&x&=2&ver=3")
def test_asset_queries_read_as_parse_qs_reads_them(text: str) -> None:
    from urllib.parse import parse_qs

    from mamori.monitoring.software import query_values

    assert query_values(text) == parse_qs(text)
