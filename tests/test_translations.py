from __future__ import annotations

import pytest

from mamori.core.i18n_check import catalogue_problems, extracted_ids


def test_japanese_catalogue_has_no_missing_or_fuzzy_entry() -> None:
    present, problems = catalogue_problems()
    assert problems == []
    assert len(present) > 150


def test_every_source_message_is_in_the_japanese_catalogue() -> None:
    wanted = extracted_ids()
    if wanted is None:
        pytest.skip("xgettext (GNU gettext) is not installed")
    present, _problems = catalogue_problems()
    assert sorted(wanted - present) == []
