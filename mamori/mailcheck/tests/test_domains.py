"""Lookalike and homograph domains: skeletons, mixed scripts, typo permutations, suffix swaps."""

from __future__ import annotations

import pytest

from mamori.mailcheck.engine.domains import (
    LookalikeIndex,
    Reference,
    is_ip_host,
    mixed_script_label,
    normalise_host,
    registrable,
    skeleton,
)
from mamori.mailcheck.engine.environment import environment
from mamori.mailcheck.engine.model import Context

REFERENCES = ["paypal.com", "example.co.jp", "mizuhobank.co.jp", "rakuten.co.jp", "google.com"]


@pytest.fixture(scope="module")
def index() -> LookalikeIndex:
    return LookalikeIndex(Reference(d, "test", d) for d in REFERENCES)


@pytest.mark.parametrize(
    ("host", "imitates", "how"),
    [
        ("payapl.com", "paypal.com", "swap"),
        ("mizuhoank.co.jp", "mizuhobank.co.jp", "omission"),
        ("paypall.com", "paypal.com", "typo"),  # repetition
        ("exarnple.co.jp", "example.co.jp", "typo"),  # rn → m
        ("g00gle.com", "google.com", "typo"),  # 0 → o
        ("paypa1.com", "paypal.com", "typo"),  # 1 → l
        ("exam-ple.co.jp", "example.co.jp", "typo"),  # added hyphen
        ("example.jp", "example.co.jp", "suffix"),  # .co.jp ↔ .jp
        ("example.com", "example.co.jp", "suffix"),  # .co.jp ↔ .com
        ("rakuten.co.jp.example-shop.jp", "rakuten.co.jp", "subdomain"),  # in front of another
        ("paypal.com.secure-login.top", "paypal.com", "subdomain"),
        ("rakuten.example-shop.jp", None, None),  # the name alone is the brand-token check's job
        ("example-co-jp.net", "example.co.jp", "typo"),  # suffix folded into the name
        ("pаypal.com", "paypal.com", "homograph"),  # Cyrillic а
        ("xn--pypal-4ve.com", "paypal.com", "homograph"),  # the same in punycode
        ("ｐａｙｐａｌ.com", None, None),  # NFKC makes it the genuine domain
        ("www.paypal.com", None, None),
        ("mizuno.co.jp", None, None),  # a real, different name: no general edit distance
        ("mail.com", None, None),
    ],
)
def test_lookalike_permutations(
    index: LookalikeIndex, host: str, imitates: str | None, how: str | None
) -> None:
    match = index.match(host)
    if imitates is None:
        assert match is None, match
    else:
        assert match is not None, host
        assert match.imitates.domain == imitates
        assert match.how == how


@pytest.mark.parametrize(
    ("host", "flagged"),
    [
        ("日本語ドメイン.jp", False),
        ("東京タワーtokyo.jp", False),  # Latin + Han + Katakana: ordinary Japanese
        ("ひらがなカタカナ漢字abc.com", False),
        ("pаypal.com", True),  # Latin + Cyrillic
        ("micrοsoft.com", True),  # Latin + Greek omicron
        ("аррӏе.com", False),  # whole-script Cyrillic: not mixed, caught by the skeleton instead
        ("ｇｏｏｇｌｅ.com", False),
    ],
)
def test_mixed_script_highly_restrictive(host: str, flagged: bool) -> None:
    assert (mixed_script_label(host) is not None) == flagged


def test_whole_script_homograph_is_caught_by_skeleton() -> None:
    index = LookalikeIndex([Reference("apple.com", "apple", "apple.com")])
    match = index.match("аррӏе.com")
    assert match is not None and match.how == "homograph"
    assert skeleton("аррӏе") in {"apple", "appie"}


def test_normalise_and_registrable() -> None:
    assert normalise_host("WWW.Example.CO.JP.") == "www.example.co.jp"
    assert registrable("mail.sub.example.co.jp") == "example.co.jp"
    assert registrable("www.xn--wgv71a119e.jp") == "日本語.jp"
    assert normalise_host("xn--pypal-4ve.com") == "pаypal.com"
    assert normalise_host("example。co。jp") == "example.co.jp"


@pytest.mark.parametrize("host", ["203.0.113.5", "[2001:db8::1]", "0x7f.1", "3232235777"])
def test_ip_hosts(host: str) -> None:
    assert is_ip_host(host)


def test_brand_token_in_other_domain() -> None:
    env = environment(Context())
    assert env.brand_token_in("amazon.co.jp.account-check.top").id == "amazon"  # type: ignore[union-attr]
    assert env.brand_token_in("smbc-card-security.xyz").id == "smbc"  # type: ignore[union-attr]
    assert env.brand_token_in("amaz0n-security.com").id == "amazon"  # type: ignore[union-attr]
    assert env.brand_token_in("www.amazon.co.jp") is None
    assert env.brand_token_in("news.example.co.jp") is None


def test_context_extends_brands_and_trust() -> None:
    env = environment(
        Context(
            trusted_domains=["our-office.co.jp"],
            extra_brands={"ミナト信用金庫": ["minato-shinkin.co.jp"]},
        )
    )
    assert env.index.match("our-offlce.co.jp") is not None
    assert env.index.match("minato-shinkln.co.jp") is not None
    assert env.brands_named_in("ミナト信用金庫 お客様センター")[0].domains == (
        "minato-shinkin.co.jp",
    )
