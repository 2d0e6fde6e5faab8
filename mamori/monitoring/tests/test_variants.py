"""Every attack class of issue 14 is 危険 and every routine change stays below 注意, on three
small pages written for these tests with the structures of a WordPress theme page, a shop and
a static corporate page (the real pages live outside the repository, see bench/eval_monitoring.py).
"""

from __future__ import annotations

import pytest

from mamori.monitoring.compare import Learned, compare, learn
from mamori.monitoring.fingerprint import fingerprint
from mamori.monitoring.variants import ATTACK, ATTACKS, BENIGNS, LEARNED_ONLY, prepare

SITE = "www.example.co.jp"
URL = f"https://{SITE}/"

WORDPRESS = """<!DOCTYPE html><html lang="ja"><head><meta charset="UTF-8">
<title>山田工務店 | 地域の家づくり</title>
<link rel='stylesheet' id='wp-block-library-css' href='https://www.example.co.jp/wp-includes/css/dist/block-library/style.min.css?ver=6.4.2' media='all' />
<link rel='stylesheet' id='theme-style-css' href='https://www.example.co.jp/wp-content/themes/kobo/style.css?ver=1.3.0' media='all' />
<link rel='stylesheet' href='https://www.example.co.jp/wp-content/plugins/contact-form-7/includes/css/styles.css?ver=5.8.4' media='all' />
<script src='https://www.example.co.jp/wp-includes/js/jquery/jquery.min.js?ver=3.7.1' id='jquery-core-js'></script>
<meta name="generator" content="WordPress 6.4.2" />
<style>.screen-reader-text{clip:rect(1px,1px,1px,1px);position:absolute!important;height:1px;width:1px;overflow:hidden}</style>
</head><body class="home page-template-default">
<a class="skip-link screen-reader-text" href="#content">コンテンツへスキップ</a>
<header id="masthead" class="site-header"><p class="site-title"><a href="/">山田工務店</a></p>
<nav><ul id="primary-menu"><li><a href="/works/">施工事例</a></li><li><a href="/company/">会社概要</a></li><li><a href="/contact/">お問い合わせ</a></li></ul></nav></header>
<main id="content" class="site-main"><article class="page"><h1 class="entry-title">自然素材の家づくり</h1>
<div class="entry-content"><p>山田工務店は創業以来、地元の木材を使った住まいづくりを続けています。</p>
<p>新築・リフォームのご相談は、お電話またはフォームからお気軽にどうぞ。</p>
<p>電話 03-1234-5678（営業時間 9:00-18:00、水曜定休）</p></div></article></main>
<footer class="site-footer"><a href="https://wordpress.org/">Proudly powered by WordPress</a></footer>
<script src='https://www.example.co.jp/wp-content/plugins/contact-form-7/includes/js/index.js?ver=5.8.4' id='contact-form-7-js'></script>
</body></html>"""

SHOP = """<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><title>こだわり茶舗 オンラインショップ</title>
<link href="https://cdn.jsdelivr.net/npm/bootstrap-icons@1.5.0/font/bootstrap-icons.css" rel="stylesheet">
<link href="css/styles.css" rel="stylesheet"></head><body>
<nav class="navbar"><a class="navbar-brand" href="#!">こだわり茶舗</a>
<ul class="navbar-nav"><li><a href="#!">ホーム</a></li><li><a href="#!">商品一覧</a></li></ul>
<button class="btn" type="submit"><i class="bi-cart-fill"></i> カート <span class="badge">0</span></button></nav>
<header class="bg-dark"><h1 class="display-4">季節の日本茶</h1><p class="lead">産地直送の新茶をお届けします</p></header>
<section><div class="row">
<div class="col"><div class="card"><h5>静岡煎茶 100g</h5><p>1,080円</p><a class="btn" href="#">カートに入れる</a></div></div>
<div class="col"><div class="card"><h5>宇治抹茶 30g</h5><p>2,160円</p><a class="btn" href="#">カートに入れる</a></div></div>
<div class="col"><div class="card"><h5>八女玉露 50g</h5><p>3,240円</p><a class="btn" href="#">カートに入れる</a></div></div>
</div></section><footer class="py-5 bg-dark"><p class="m-0">特定商取引法に基づく表記</p></footer>
<script src="https://cdn.jsdelivr.net/npm/bootstrap@5.2.3/dist/js/bootstrap.bundle.min.js"></script>
<script src="js/scripts.js"></script></body></html>"""

CORPORATE = """<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><title>株式会社サンプル精機</title>
<script src="https://use.fontawesome.com/releases/v6.3.0/js/all.js" crossorigin="anonymous"></script>
<link href="https://fonts.googleapis.com/css?family=Montserrat:400,700" rel="stylesheet" type="text/css">
<link href="css/styles.css" rel="stylesheet"></head><body id="page-top">
<nav class="navbar" id="mainNav"><a class="navbar-brand" href="#page-top">サンプル精機</a>
<ul class="navbar-nav"><li><a class="nav-link" href="#services">事業内容</a></li><li><a class="nav-link" href="#about">沿革</a></li><li><a class="nav-link" href="#contact">お問い合わせ</a></li></ul></nav>
<header class="masthead"><div class="masthead-subheading">精密加工で、ものづくりを支える</div></header>
<section class="page-section" id="services"><h2 class="section-heading">事業内容</h2>
<h4>精密切削加工</h4><p>航空機・医療機器向けの部品を、試作から量産まで一貫して手がけています。</p>
<h4>品質保証</h4><p>三次元測定機による全数検査で、安定した品質をお約束します。</p></section>
<section class="page-section" id="about"><h2>沿革</h2><ul class="timeline"><li>1978年 創業</li><li>1995年 本社工場を新設</li><li>2012年 ISO9001 認証取得</li></ul></section>
<section class="page-section" id="contact"><h2>お問い合わせ</h2><form id="contactForm" action="/contact/send" method="post"><input class="form-control" id="name" type="text" placeholder="お名前"><button class="btn" id="submitButton" type="submit">送信</button></form></section>
<footer class="footer"><a class="btn" href="https://twitter.com/"><i class="fab fa-twitter"></i></a></footer>
<script src="https://cdn.jsdelivr.net/npm/bootstrap@5.2.3/dist/js/bootstrap.bundle.min.js"></script>
<script src="js/scripts.js"></script></body></html>"""

BASE_PAGES = {"wordpress": WORDPRESS, "shop": SHOP, "corporate": CORPORATE}


def _fp(html: str) -> object:
    return fingerprint(html.encode(), page_url=URL)


def _cold(base: str, variant: object) -> object:
    html = prepare(base, 0)
    changed = variant.apply(html)  # type: ignore[attr-defined]
    assert changed != html, "the variant must change the page"
    return compare(_fp(html), _fp(changed), site_domain=SITE)  # type: ignore[arg-type]


def _learned(base: str, variant: object) -> object:
    baseline = _fp(prepare(base, 0))
    profile = Learned()
    for seed in (1, 2):
        profile = learn(baseline, _fp(prepare(base, seed)), profile, site_domain=SITE)  # type: ignore[arg-type]
    changed = variant.apply(prepare(base, 3))  # type: ignore[attr-defined]
    return compare(baseline, _fp(changed), site_domain=SITE, learned=profile)  # type: ignore[arg-type]


@pytest.mark.parametrize("page", sorted(BASE_PAGES))
@pytest.mark.parametrize("variant", ATTACKS, ids=lambda v: v.name)
def test_every_attack_is_danger(page: str, variant: object) -> None:
    cold = _cold(BASE_PAGES[page], variant)
    assert cold.level == "danger", [r.code for r in cold.reasons]  # type: ignore[attr-defined]
    learned = _learned(BASE_PAGES[page], variant)
    assert learned.level == "danger", [r.code for r in learned.reasons]  # type: ignore[attr-defined]


@pytest.mark.parametrize("page", sorted(BASE_PAGES))
@pytest.mark.parametrize("variant", BENIGNS, ids=lambda v: v.name)
def test_every_routine_change_stays_below_caution(page: str, variant: object) -> None:
    learned = _learned(BASE_PAGES[page], variant)
    assert learned.level in ("none", "info"), [r.to_dict() for r in learned.reasons]  # type: ignore[attr-defined]
    if variant.name not in LEARNED_ONLY:  # type: ignore[attr-defined]
        cold = _cold(BASE_PAGES[page], variant)
        assert cold.level in ("none", "info"), [r.to_dict() for r in cold.reasons]  # type: ignore[attr-defined]


def test_the_counter_is_only_quiet_once_learned() -> None:
    """The test above would pass for a monitor that ignores all numbers: this one would not."""
    counter = next(v for v in BENIGNS if v.name == "visitor_counter")
    assert _cold(SHOP, counter).level == "caution"  # type: ignore[attr-defined]
    assert _learned(SHOP, counter).level == "none"  # type: ignore[attr-defined]


def test_library_update_and_partner_link_are_information_with_reasons() -> None:
    library = next(v for v in BENIGNS if v.name == "library_update")
    change = _cold(SHOP, library)
    assert change.level == "info"  # type: ignore[attr-defined]
    codes = [r.code for r in change.reasons]  # type: ignore[attr-defined]
    assert "library_updated" in codes
    partner = next(v for v in BENIGNS if v.name == "partner_link")
    change = _cold(CORPORATE, partner)
    assert change.level == "info"  # type: ignore[attr-defined]
    assert "new_link_domains" in [r.code for r in change.reasons]  # type: ignore[attr-defined]


def test_labels_cover_every_class_of_the_issue() -> None:
    kinds = {v.kind for v in ATTACKS}
    assert {
        "external script", "inline script", "skimmer", "event handler", "javascript: URL",
        "external stylesheet", "CSS-hidden links", "user-content CDN", "defacement message",
        "content replaced", "hidden iframe", "form target", "meta refresh", "base href",
        "hidden links",
    } <= kinds  # fmt: skip
    assert all(v.label == ATTACK for v in ATTACKS) and not any(v.label == ATTACK for v in BENIGNS)
    assert {
        "cache busting", "library update", "copyright year", "dates and times", "rotating banner",
        "CSRF token", "nonce", "analytics id", "ad identifier", "partner link",
    } <= {v.kind for v in BENIGNS}  # fmt: skip


def test_a_text_edit_is_still_caution() -> None:
    """Routine-change handling must not swallow real edits: a changed phone number and
    changed opening hours are 注意 even with learning."""
    html = prepare(WORDPRESS, 3).replace("03-1234-5678", "03-9999-0000")
    baseline = _fp(prepare(WORDPRESS, 0))
    profile = Learned()
    for seed in (1, 2):
        profile = learn(baseline, _fp(prepare(WORDPRESS, seed)), profile, site_domain=SITE)  # type: ignore[arg-type]
    change = compare(baseline, _fp(html), site_domain=SITE, learned=profile)  # type: ignore[arg-type]
    assert change.level == "caution"
    hours = _fp(prepare(WORDPRESS, 0).replace("9:00-18:00", "10:00-15:00"))
    assert compare(baseline, hours, site_domain=SITE).level == "caution"  # type: ignore[arg-type]


def test_learning_ignores_a_fetch_that_shows_danger() -> None:
    baseline = _fp(prepare(SHOP, 0))
    defaced = prepare(SHOP, 1).replace("季節の日本茶", "Hacked by X")
    profile = learn(baseline, _fp(defaced), Learned(), site_domain=SITE)  # type: ignore[arg-type]
    assert profile.slots == set() and profile.templates == set() and profile.checks == 1
