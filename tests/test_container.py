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
    assert re.search(r"^RUN pip install --no-cache-dir -c /src/constraints.txt /src", text, re.M)
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


def test_every_systemd_unit_runs_a_mamori_command_with_valid_options() -> None:
    units = sorted((ROOT / "deploy" / "systemd").glob("*.service"))
    assert {u.name for u in units} >= {"mamori-web.service", "mamori-worker.service"}
    for unit in units:
        text = unit.read_text()
        (exec_line,) = re.findall(r"^ExecStart=(.+)$", text, re.M)
        program, *args = exec_line.split()
        assert program.endswith("/bin/mamori"), unit.name
        assert args[0] in COMMANDS, unit.name
        module = importlib.import_module(COMMANDS[args[0]][0])
        module.build_parser().parse_args(args[1:])
        # Only the data directory is writable; files are created private.
        assert "ProtectSystem=strict" in text and "UMask=0077" in text, unit.name
        assert re.search(r"^User=mamori$", text, re.M), unit.name


def test_proxy_examples_replace_the_forwarded_for_header_and_hide_metrics() -> None:
    caddy = (ROOT / "deploy" / "proxy" / "Caddyfile").read_text()
    nginx = (ROOT / "deploy" / "proxy" / "nginx.conf").read_text()
    # Set to the address the proxy saw (not appended to the client's own header): mamori trusts
    # the last X-Forwarded-For entry when MAMORI_BEHIND_PROXY is on.
    assert "header_up X-Forwarded-For {remote_host}" in caddy
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in nginx
    assert "$proxy_add_x_forwarded_for" not in nginx
    assert "respond @metrics 404" in caddy and "location = /metrics { return 404; }" in nginx
