"""/api/docs: the API's documentation page, served from the installed django-ninja package
(no CDN), with no inline script, so the strict Content-Security-Policy allows it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client


@pytest.mark.django_db
def test_api_docs_page_uses_only_local_files(db: Any) -> None:
    response = Client().get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'<script[^>]*src="([^"]+)"', html)
    assert sources and all(src.startswith("/static/") for src in sources)
    inline = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", html)
    assert inline == []
    assert "cdn" not in html.lower()
    # The script itself is served by this install (whitenoise), not fetched from elsewhere.
    script = Client().get(sources[0])
    assert script.status_code == 200
    body = b"".join(script.streaming_content) if script.streaming else script.content
    assert b"SwaggerUIBundle" in body
