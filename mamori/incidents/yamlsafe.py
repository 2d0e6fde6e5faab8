"""Reading our YAML content files with size and shape caps.

Content is reviewed like code, but the loader still refuses what could make it slow or strange:
files over a size cap, YAML aliases (an alias chain can multiply the work of every later walk
over the tree), and nesting deeper than a cap. Problems come back as text, never as exceptions.
"""

from __future__ import annotations

from pathlib import Path

import yaml

MAX_FILE_BYTES = 256 * 1024
MAX_DEPTH = 12


class _NoAliasLoader(yaml.SafeLoader):
    """A safe loader that fails on aliases instead of sharing nodes."""

    def compose_node(self, parent, index):  # type: ignore[no-untyped-def]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "YAML aliases are not allowed in content files", event.start_mark
            )
        return super().compose_node(parent, index)


def _depth(value: object, limit: int) -> int:
    """Nesting depth of lists/dicts, stopping once past the limit."""
    stack: list[tuple[object, int]] = [(value, 1)]
    deepest = 0
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
    return deepest


def parse_yaml_text(text: str) -> tuple[object, str | None]:
    """Parse YAML text; returns (data, None) or (None, a one-line error)."""
    if len(text.encode("utf-8", errors="replace")) > MAX_FILE_BYTES:
        return None, f"file is larger than {MAX_FILE_BYTES} bytes"
    try:
        data = yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        return None, f"YAML error: {' '.join(str(exc).split())}"
    except (RecursionError, ValueError) as exc:
        return None, f"YAML error: {exc.__class__.__name__}"
    if _depth(data, MAX_DEPTH) > MAX_DEPTH:
        return None, f"nesting is deeper than {MAX_DEPTH} levels"
    return data, None


def read_yaml_file(path: Path) -> tuple[object, str | None]:
    """Read and parse one YAML file; returns (data, None) or (None, a one-line error)."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        return None, f"cannot read: {exc.strerror or exc}"
    if size > MAX_FILE_BYTES:
        return None, f"file is larger than {MAX_FILE_BYTES} bytes"
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, f"cannot read as UTF-8: {exc.__class__.__name__}"
    return parse_yaml_text(text)
