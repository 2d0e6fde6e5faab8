"""A website's CMS (from the website register) is matched against advisories like software."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from mamori.findings.models import Finding, Status
from mamori.intel.model import Advisory, MatchCriterion, ProductName
from mamori.intel.store import import_advisories
from mamori.intel.sync import affected_organisations
from mamori.intel.vulnmatch import KIND, cms_cpe, rematch
from mamori.inventory.models import Website


def _wordpress_advisory() -> Advisory:
    return Advisory(
        source="nvd",
        cve_ids=["CVE-2024-31210"],
        title_en="WordPress core: code execution by administrators",
        criteria=[
            MatchCriterion(
                cpe23="cpe:2.3:a:wordpress:wordpress:*:*:*:*:*:*:*:*",
                version_start_including="6.4.0",
                version_end_excluding="6.4.3",
            )
        ],
    )


@pytest.mark.parametrize(
    "cms, version, expected",
    [
        ("WordPress", "6.4.2", "cpe:2.3:a:wordpress:wordpress:6.4.2:*:*:*:*:*:*:*"),
        ("Joomla!", "4.4.1", "cpe:2.3:a:joomla:joomla\\!:4.4.1:*:*:*:*:*:*:*"),
        ("EC-CUBE", "4.2.0", "cpe:2.3:a:ec-cube:ec-cube:4.2.0:*:*:*:*:*:*:*"),
        ("Movable Type", "7.9", "cpe:2.3:a:sixapart:movable_type:7.9:*:*:*:*:*:*:*"),
        ("WordPress", "", "cpe:2.3:a:wordpress:wordpress:*:*:*:*:*:*:*:*"),
    ],
)
def test_cms_names_become_nvds_names(cms, version, expected):
    assert cms_cpe(cms, version) == expected


@pytest.mark.django_db
def test_wordpress_site_with_an_old_version_shows_its_advisories(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    stored = import_advisories([_wordpress_advisory()])
    website = Website.objects.create(
        organization=org, url="https://www.example.jp/", cms="WordPress", cms_version="6.4.2"
    )
    assert affected_organisations(stored.keys) == [org.pk]
    rematch(org)
    finding = Finding.objects.get(organization=org, kind=KIND)
    assert finding.status == Status.OPEN
    assert finding.subject_type == "inventory.website"
    assert finding.subject_id == str(website.pk)
    assert {"kind": "website", "text": "WordPress 6.4.2 (https://www.example.jp/)"}.items() <= (
        finding.evidence[0].items()
    )
    page = client_as(members["viewer"]).get(reverse("intel:relevant", args=[org.slug]))
    assert "WordPress 6.4.2" in page.content.decode() and "CVE-2024-31210" in page.content.decode()
    # a decision is for software; for a website the register's version decides
    response = client_as(members["editor"]).post(
        reverse("intel:decide", args=[org.slug, finding.pk]), {"status": "patched", "note": ""}
    )
    assert response.status_code == 404
    website.cms_version = "6.4.3"
    website.save()
    rematch(org)
    finding.refresh_from_db()
    assert finding.status == Status.RESOLVED


@pytest.mark.django_db
def test_website_cms_without_cpe_advisory_matches_by_name(org: Any) -> None:
    import_advisories(
        [
            Advisory(
                source="jvn",
                jvndb_id="JVNDB-2024-000001",
                title_ja="WordPress 用プラグインにおける脆弱性",
                products=[ProductName(vendor="WordPress.org", product="WordPress")],
            )
        ]
    )
    Website.objects.create(
        organization=org, url="https://blog.example.jp/", cms="WordPress", cms_version="6.5"
    )
    rematch(org)
    finding = Finding.objects.get(organization=org, kind=KIND)
    assert finding.params["confidence"] == "low"


def test_plugin_lines_are_read():
    from mamori.intel.vulnmatch import parse_plugins

    assert parse_plugins("contact-form-7 5.8.1\nElementor: 3.18.0\n\nakismet\n") == [
        ("contact-form-7", "5.8.1"),
        ("Elementor", "3.18.0"),
        ("akismet", ""),
    ]


@pytest.mark.django_db
def test_wordpress_plugin_in_the_register_is_matched_under_nvds_vendor(org: Any) -> None:
    stored = import_advisories(
        [
            Advisory(
                source="nvd",
                cve_ids=["CVE-2023-6449"],
                criteria=[
                    MatchCriterion(
                        cpe23="cpe:2.3:a:rocklobster:contact_form_7:*:*:*:*:*:wordpress:*:*",
                        version_end_excluding="5.8.4",
                    )
                ],
            )
        ]
    )
    website = Website.objects.create(
        organization=org,
        url="https://www.example.jp/",
        cms="WordPress",
        cms_version="6.4.3",
        cms_plugins="contact-form-7 5.8.1\nakismet 5.3",
    )
    assert affected_organisations(stored.keys) == [org.pk]
    rematch(org)
    finding = Finding.objects.get(organization=org, kind=KIND)
    assert finding.subject_id == str(website.pk)
    assert "contact-form-7 5.8.1" in finding.params["software"]
    website.cms_plugins = "contact-form-7 5.8.4"
    website.save()
    rematch(org)
    finding.refresh_from_db()
    assert finding.status == Status.RESOLVED
