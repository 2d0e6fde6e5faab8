"""Dependency hygiene: what the code imports is declared, what is declared is used, and the
constraints file pins a version each declared range accepts."""

from __future__ import annotations

import ast
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _runtime_requirements() -> list[Requirement]:
    return [Requirement(text) for text in _project()["dependencies"]]


def _all_requirements() -> list[Requirement]:
    extras = [
        Requirement(t) for group in _project()["optional-dependencies"].values() for t in group
    ]
    return _runtime_requirements() + extras


def _imported_top_level(paths: list[Path]) -> set[str]:
    names: set[str] = set()
    for path in paths:
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names


def _runtime_sources() -> list[Path]:
    return [
        p
        for p in (ROOT / "mamori").rglob("*.py")
        if "tests" not in p.parts and "migrations" not in p.parts and p.name != "conftest.py"
    ]


def _distributions_of(modules: set[str]) -> set[str]:
    mapping = packages_distributions()
    found = set()
    for module in modules:
        if module in sys.stdlib_module_names or module == "mamori":
            continue
        for dist in mapping.get(module, []):
            found.add(canonicalize_name(dist))
    return found


def test_every_third_party_import_of_the_app_is_a_declared_runtime_dependency() -> None:
    declared = {canonicalize_name(r.name) for r in _runtime_requirements()}
    used = _distributions_of(_imported_top_level(_runtime_sources()))
    # The test extra's tools are imported only by tests and benches.
    assert used - declared == set()


def test_every_runtime_dependency_is_imported_somewhere() -> None:
    used = _distributions_of(_imported_top_level(_runtime_sources()))
    declared = {canonicalize_name(r.name) for r in _runtime_requirements()}
    # Loaded by name, not imported: Django's PostgreSQL backend, the middleware and password
    # hasher named in settings, and lxml's CSS selector support; django-storages' S3 backend is
    # named in STORAGES when MAMORI_STORAGE=s3 (settings.py).
    loaded_by_name = {"psycopg", "whitenoise", "argon2-cffi", "cssselect", "django-storages"}
    assert declared - used - loaded_by_name == set()


def test_constraints_pin_a_version_every_declared_range_accepts() -> None:
    pins: dict[str, str] = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[canonicalize_name(name)] = version
    for requirement in _all_requirements():
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement.name} is not pinned in constraints.txt"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"{requirement.name}=={pins[name]} is outside {requirement.specifier}"
        )
