"""The Dockerfile and docker-compose.yml, checked without a Docker daemon: every mamori service
runs a real `mamori` command whose options that command's own parser accepts, the image runs as
a non-root user through the `mamori` entrypoint, and the data directory is the only place written.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from mamori.cli import COMMANDS

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def _mamori_services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: service
        for name, service in compose["services"].items()
        if service.get("image", "").startswith("mamori")
    }


def test_compose_has_postgres_web_worker_and_one_shot_migrate(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert services["db"]["image"].startswith("postgres:")
    commands = {name: service["command"] for name, service in _mamori_services(compose).items()}
    assert commands["migrate"] == ["migrate"]
    assert commands["web"][:3] == ["serve", "--no-worker", "--no-migrate"]
    assert commands["worker"][0] == "worker"
    assert services["migrate"]["restart"] == "no"
    for name in ("web", "worker"):
        condition = services[name]["depends_on"]["migrate"]["condition"]
        assert condition == "service_completed_successfully"
    assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"


def test_every_compose_command_is_a_mamori_command_with_valid_options(
    compose: dict[str, Any],
) -> None:
    services = _mamori_services(compose)
    assert set(services) >= {"migrate", "web", "worker"}
    for name, service in services.items():
        command = service["command"]
        assert command[0] in COMMANDS, (name, command)
        module = importlib.import_module(COMMANDS[command[0]][0])
        # argparse exits on an unknown option: the command would not start.
        module.build_parser().parse_args(command[1:])


def test_mamori_services_share_the_data_volume_and_a_read_only_root(
    compose: dict[str, Any],
) -> None:
    for name, service in _mamori_services(compose).items():
        assert service["read_only"] is True, name
        assert "mamori-data:/data" in service["volumes"], name
        environment = service["environment"]
        assert environment["DATABASE_URL"].startswith("postgres://"), name
        assert "MAMORI_SECRET_KEY" in environment, name  # the same key on every container
    assert "mamori-data" in compose["volumes"]


def test_dockerfile_runs_mamori_as_a_non_root_user() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^RUN pip install --no-cache-dir /src", text, re.M)
    user = re.findall(r"^USER (\S+)", text, re.M)
    assert user and user[-1].split(":")[0] not in ("root", "0")
    assert re.search(r'^ENTRYPOINT \["mamori"\]$', text, re.M)
    assert "MAMORI_DATA_DIR=/data" in text
    assert "compile_catalogs" in text  # translations compiled at build time, not at run time
    cmd = re.findall(r"^CMD \[(.+)\]$", text, re.M)
    assert cmd and cmd[-1].split(",")[0].strip().strip('"') in COMMANDS


def test_readme_has_a_container_section() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "## Container" in readme
    assert "docker compose up" in readme
