"""Static files for production: collected once with a manifest (hashed names, served by
WhiteNoise without the finders) when MAMORI_STATIC_MANIFEST is on — as the container image does."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from mamori.core.tests.test_jobs import REPO_DIR

CHECK = """
import django, re
django.setup()
from django.conf import settings
from django.test import Client
assert settings.WHITENOISE_USE_FINDERS is False
page = Client().get("/accounts/login/", follow=True).content.decode()
links = re.findall(r'/static/[^"]+\\.css', page)
assert links, page[:500]
for link in links:
    assert re.search(r"\\.[0-9a-f]{12}\\.css$", link), link
    response = Client().get(link)
    assert response.status_code == 200, (link, response.status_code)
    assert "max-age=315360000" in response["Cache-Control"], response["Cache-Control"]
print("ok", len(links))
"""


def test_collected_static_files_are_served_with_hashed_names(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL"}}
    env.update(
        MAMORI_DATA_DIR=str(tmp_path / "data"),
        MAMORI_STATIC_ROOT=str(tmp_path / "static"),
        MAMORI_STATIC_MANIFEST="true",
        DJANGO_SETTINGS_MODULE="mamori.settings",
    )
    migrated = subprocess.run(
        [sys.executable, "-m", "mamori.cli", "migrate"],
        cwd=REPO_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert migrated.returncode == 0, migrated.stderr
    collected = subprocess.run(
        [sys.executable, "-m", "mamori.cli", "manage", "collectstatic", "--noinput"],
        cwd=REPO_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert collected.returncode == 0, collected.stderr
    assert (tmp_path / "static" / "staticfiles.json").exists()
    served = subprocess.run(
        [sys.executable, "-c", CHECK],
        cwd=REPO_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert served.returncode == 0, served.stderr[-3000:]
    assert served.stdout.startswith("ok")
