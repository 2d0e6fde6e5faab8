"""The drill scenarios and the scanner lists, read from mamori/content/training/*.yaml.

Pure Python (no Django): the scanner check runs on every tracking request and is tested alone.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from mamori.incidents.yamlsafe import read_yaml_file

CONTENT_DIR = Path(__file__).resolve().parents[1] / "content" / "training"

# Why a request was attributed to a machine (stored on DrillEvent.machine_reason).
HEAD = "head"
TOO_SOON = "too_soon"
SCANNER_AGENT = "scanner_agent"
SCANNER_NETWORK = "scanner_network"
REASONS = (HEAD, TOO_SOON, SCANNER_AGENT, SCANNER_NETWORK)


class ContentInvalid(Exception):
    pass


def _read(name: str) -> dict[str, Any]:
    data, error = read_yaml_file(CONTENT_DIR / name)
    if error or not isinstance(data, dict):
        raise ContentInvalid(f"{name}: {error or 'not a mapping'}")
    return data


@cache
def templates() -> dict[str, Any]:
    """Scenario key → its texts (subject, body, from_name, lesson, optional attachment)."""
    data = _read("drill_templates.yaml")
    found = data.get("templates")
    if not isinstance(found, dict):
        raise ContentInvalid("drill_templates.yaml: no templates")
    for key, entry in found.items():
        for part in ("from_name", "subject", "body", "lesson"):
            if not all(entry.get(part, {}).get(lang) for lang in ("ja", "en")):
                raise ContentInvalid(f"drill template {key}: {part} needs ja and en")
    return found


@cache
def common_lesson() -> dict[str, list[str]]:
    return dict(_read("drill_templates.yaml").get("common") or {})


@dataclass(frozen=True)
class ScannerLists:
    agents: tuple[str, ...]
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]


@cache
def scanner_lists() -> ScannerLists:
    data = _read("scanners.yaml")
    agents = tuple(
        str(entry["pattern"]).lower()
        for entry in data.get("user_agents", [])
        if entry.get("source")
    )
    networks = tuple(
        ipaddress.ip_network(str(entry["network"]), strict=True)
        for entry in data.get("networks", [])
        if entry.get("source")
    )
    return ScannerLists(agents=agents, networks=networks)


def machine_reason(
    *,
    method: str,
    user_agent: str,
    ip: str | None,
    delivered_at: datetime | None,
    at: datetime,
    window_seconds: int,
) -> str:
    """Why this request is a machine's rather than the recipient's, or "" for a person."""
    if method.upper() == "HEAD":
        return HEAD
    if delivered_at is not None and (at - delivered_at).total_seconds() < window_seconds:
        return TOO_SOON
    lists = scanner_lists()
    agent = (user_agent or "").lower()
    if not agent or any(pattern in agent for pattern in lists.agents):
        return SCANNER_AGENT
    if ip:
        try:
            address = ipaddress.ip_address(ip)
        except ValueError:
            return ""
        if any(address in network for network in lists.networks):
            return SCANNER_NETWORK
    return ""
