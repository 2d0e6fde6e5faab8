"""Every page of the demo, in Japanese and in English, as an owner clicks through it: no raw
internals (Python reprs, tracebacks, file paths, event or job codes) and no two languages glued
together. The crawler follows the organisation's own links from the dashboard (GET only)."""

from __future__ import annotations

import re
from collections import deque
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client

from mamori.audit.labels import ACTION_LABELS
from mamori.core.job_labels import JOB_KIND_LABELS

MAX_PAGES = 160
# Links that download files or change state even on GET are not followed.
SKIP = re.compile(
    r"/(export|download|raw|template|pdf|ics|logout|calendar\.ics)(/|$|\?)|\.(pdf|csv|xlsx|ics|json|md|docx?)($|\?)"
)


class _Page(HTMLParser):
    """Visible text (outside script, style, code, pre and 「詳細」 disclosures) and links."""

    HIDDEN = {"script", "style", "code", "pre", "details", "textarea", "select", "option"}
    VOID = {
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "source",
        "track",
        "wbr",
    }

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.text: list[str] = []
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "a":
            self.links.append(values.get("href") or "")
        # Breadcrumbs join a section and a record's own name with " / " on purpose.
        crumbs = tag == "p" and "crumbs" in (values.get("class") or "")
        if tag in self.VOID:
            return
        if tag in self.HIDDEN or crumbs or self.stack:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass

    @property
    def depth(self) -> int:
        return len(self.stack)

    def handle_data(self, data: str) -> None:
        if not self.depth:
            self.text.append(data)


RAW = [
    (re.compile(r"\{'[a-z_]+'\s*:"), "a Python dict"),
    (re.compile(r"Traceback \(most recent call last\)"), "a traceback"),
    (re.compile(r"File \"/|\.py\", line \d+"), "a source file path"),
    (re.compile(r"<(?:bound method|function|[A-Za-z]+ object at 0x)"), "a Python repr"),
]


def _finding_kinds() -> set[str]:
    from mamori.findings.guidance import load_guidance

    return set(load_guidance())


CODES = sorted(set(ACTION_LABELS) | set(JOB_KIND_LABELS) | _finding_kinds(), key=len, reverse=True)
CODE = re.compile(r"(?<![\w.@/-])(" + "|".join(re.escape(c) for c in CODES) + r")(?![\w.@/-])")
# 「完了 / done」, 「バックアップ / Backups」: a Japanese word, a slash, an English word.
GLUED = re.compile(
    r"[ぁ-んァ-ヶー一-龥）。」』][ \u3000]*/[ \u3000]*[A-Za-z]{2,}"
    r"|[a-z).][ \u3000]+/[ \u3000]*[ぁ-んァ-ヶ一-龥]"
)


def _crawl(client: Client, start: str, language: str) -> dict[str, str]:
    client.cookies["django_language"] = language
    seen: dict[str, str] = {}
    queue = deque([start])
    while queue and len(seen) < MAX_PAGES:
        url = queue.popleft()
        if url in seen:
            continue
        response = client.get(url)
        assert response.status_code < 500, (url, response.status_code)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            seen[url] = ""
            continue
        parser = _Page()
        parser.feed(response.content.decode())
        seen[url] = " ".join(" ".join(parser.text).split())
        for href in parser.links:
            href = href.split("#")[0]
            if href.startswith(start) and not SKIP.search(href) and href not in seen:
                queue.append(href)
    return seen


def _english_messages() -> list[str]:
    """Message ids of the catalogue long enough to be recognised in a page (a sentence or a
    label of several words): on a Japanese page, one of them means a string that reached the
    page untranslated (not marked, or translated before the language was known)."""
    from babel.messages.pofile import read_po

    from mamori.core.i18n_check import PO_PATH

    with PO_PATH.open("rb") as handle:
        catalog = read_po(handle, locale="ja")
    found = []
    for message in catalog:
        text = message.id[0] if isinstance(message.id, tuple) else message.id
        if text and "%" not in text and "{" not in text and len(text) >= 16 and " " in text:
            found.append(text)
    return found


def _problems(pages: dict[str, str], language: str = "en") -> list[str]:
    found = []
    english = _english_messages() if language == "ja" else []
    for url, text in pages.items():
        for pattern, what in RAW:
            if pattern.search(text):
                found.append(f"{url}: {what}: {pattern.search(text).group(0)!r}")  # type: ignore[union-attr]
        for match in CODE.finditer(text):
            found.append(f"{url}: internal code {match.group(0)!r}")
        for match in GLUED.finditer(text):
            context = text[max(0, match.start() - 20) : match.end() + 20]
            found.append(f"{url}: two languages glued: {context!r}")
        found.extend(
            f"{url}: untranslated on a Japanese page: {message!r}"
            for message in english
            if message in text
        )
    return found


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["ja", "en"])
def test_demo_pages_show_no_internals_and_one_language(language: str, capsys: Any) -> None:
    from mamori.accounts.services import profile_of
    from mamori.core.commands.demo import main as demo_main
    from mamori.orgs.models import Membership

    assert demo_main([]) == 0
    capsys.readouterr()
    owner = Membership.objects.get(organization__slug="demo", role="owner").user
    profile = profile_of(owner)
    profile.language = language
    profile.save()
    client = Client()
    client.force_login(owner)
    session = client.session
    from django.utils import timezone

    session["login_at"] = timezone.now().timestamp()
    session.save()
    pages = _crawl(client, "/o/demo/", language)
    assert len([p for p in pages.values() if p]) >= 30, sorted(pages)
    problems = _problems(pages, language)
    assert problems == [], "\n".join(problems[:60])


def test_the_sweep_catches_what_it_looks_for() -> None:
    pages = {
        "/a/": "状態 {'os_supported': None} 詳細",
        "/b/": 'Traceback (most recent call last) File "/srv/x.py", line 3',
        "/c/": "最近の操作 findings.synced 山田",
        "/d/": "完了 / done",
        "/f/": "範囲に含まれます。 / apache:struts is inside the range",
        "/e/": "ようこそ Checks updated the findings さん",
    }
    found = "\n".join(_problems(pages, "ja"))
    for url in pages:
        assert url in found, url
