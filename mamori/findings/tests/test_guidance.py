"""Finding guidance: the shipped YAML validates and says what the brief requires; the validator
reports each kind of problem on small broken examples; rendering never breaks."""

from __future__ import annotations

import copy
import shutil
import unicodedata
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from mamori.core.corpus import REPO_DIR
from mamori.findings.guidance import (
    CONTENT_DIR,
    DEFAULT_DUE_DAYS,
    GUIDANCE_FILES,
    MAX_ENTRIES,
    MAX_LIST_ITEMS,
    MAX_STEPS,
    MAX_VALUE_CHARS,
    SEVERITIES,
    Guidance,
    GuidanceInvalid,
    Text,
    check_content,
    get_guidance,
    load_guidance,
    parse,
    render,
    template_fields,
    validate,
)

# Keys and default severities the brief asks for (the inventory rules and later modules).
EXPECTED_SEVERITY = {
    "inventory.leaver_access": "critical",
    "inventory.admin_without_mfa": "high",
    "inventory.service_mfa_not_enforced": "medium",
    "inventory.single_administrator": "medium",
    "inventory.shared_account": "medium",
    "inventory.public_share_sensitive": "high",
    "inventory.old_link_share": "low",
    "inventory.byod_unprotected": "high",
    "inventory.device_os_unsupported": "high",
    "inventory.device_not_updated": "medium",
    "inventory.disposal_without_erasure": "high",
    "inventory.supplier_no_security_clauses": "high",
    "inventory.supplier_audit_overdue": "medium",
    "inventory.supplier_abroad_unreviewed": "medium",
    "inventory.account_not_reviewed": "low",
}
LATER_KEYS = (
    "mailcheck.dangerous_mail",
    "intel.vulnerable_software",
    "intel.watch_hit",
    "intel.surge",
    "monitoring.defacement",
    "monitoring.page_changed",
    "monitoring.unreachable",
    "monitoring.certificate_expiring",
    "monitoring.security_headers",
    "assessment.weak_answer",
    "incident.prevention_measure",
    "licences.nc_commercial",
    "licences.nd_modified",
    "licences.attribution_missing",
    "licences.model_release_missing",
    "licences.licence_expired",
    "shadowit.unapproved_service",
    "shadowit.byod_without_rules",
    "privacy.contract_clauses_missing",
    "privacy.certification_expired",
    "privacy.contractor_not_audited",
    "privacy.contractor_abroad_regime_unrecorded",
    "privacy.reentrustment_unapproved",
    "privacy.data_without_purpose_or_owner",
    "privacy.sensitive_data_open_share",
    "privacy.foreign_transfer_unrecorded",
    "privacy.retention_passed",
    "routines.due",
    "training.never_trained",
    "training.training_overdue",
    "training.new_staff_untrained",
    "continuity.no_backup",
    "continuity.cloud_only",
    "continuity.backup_not_separated",
    "continuity.no_restore_test",
    "continuity.backup_overdue",
    "continuity.no_deputy",
    "continuity.escrow_untested",
    "continuity.deputy_left",
    "continuity.secret_stored",
    "payees.account_unchecked",
    "payees.account_invalid",
)

# Params the inventory rules (mamori.inventory.rules) pass, as of this writing: the summary of
# each entry must be fillable from them.
RULE_PARAMS: dict[str, dict[str, Any]] = {
    "inventory.leaver_access": {"person": "佐藤", "count": 2, "items": "a @ M365, PC-1"},
    "inventory.admin_without_mfa": {"account": "admin @ M365", "person": "", "mfa": None},
    "inventory.service_mfa_not_enforced": {"service": "Dropbox"},
    "inventory.single_administrator": {"target": "NAS"},
    "inventory.shared_account": {"account": "info @ Gmail"},
    "inventory.public_share_sensitive": {"share": "名簿", "scope": "public", "service": ""},
    "inventory.old_link_share": {"share": "見積", "days": 90, "created": "2025-01-01"},
    "inventory.byod_unprotected": {"device": "私物iPhone", "missing": ["screen_lock"]},
    "inventory.device_os_unsupported": {"device": "PC-3", "os": "Windows 8.1"},
    "inventory.device_not_updated": {"device": "PC-4", "days": 60, "last": ""},
    "inventory.disposal_without_erasure": {"device": "PC-5", "disposed": "2025-03-01"},
    "inventory.supplier_no_security_clauses": {"supplier": "発送代行"},
    "inventory.supplier_audit_overdue": {"supplier": "発送代行", "due": "2025-04-01"},
    "inventory.supplier_abroad_unreviewed": {"supplier": "SaaS社"},
    "inventory.account_not_reviewed": {"target": "M365", "count": 3, "months": 12},
}


@pytest.fixture(scope="module")
def shipped() -> dict[str, Guidance]:
    return load_guidance()


def _texts(entry: Guidance) -> list[tuple[str, Text]]:
    texts = [("title", entry.title), ("summary", entry.summary), ("why", entry.why)]
    texts += [(f"steps[{i}]", step) for i, step in enumerate(entry.steps)]
    return texts


# --------------------------------------------------------------------------- shipped content


def test_shipped_content_has_no_problems():
    guidance, problems = check_content()
    assert [str(p) for p in problems] == []
    assert set(guidance) == set(EXPECTED_SEVERITY) | set(LATER_KEYS)


def test_every_area_file_is_registered_and_present():
    on_disk = {p.stem for p in CONTENT_DIR.glob("*.yaml")}
    assert on_disk == set(GUIDANCE_FILES)


def test_inventory_keys_have_the_severity_the_rules_use(shipped):
    assert {k: shipped[k].severity for k in EXPECTED_SEVERITY} == EXPECTED_SEVERITY


def test_leaver_access_has_the_exact_japanese_title(shipped):
    assert shipped["inventory.leaver_access"].title.ja == "退職者のアカウントが残っています"


def test_every_text_is_present_in_both_languages(shipped):
    for key, entry in shipped.items():
        assert entry.steps, key
        assert entry.sources, key
        for name, text in _texts(entry):
            assert text.ja.strip() and text.en.strip(), f"{key}.{name}"
            assert text.ja != text.en, f"{key}.{name}"


def test_summary_placeholders_are_exactly_the_declared_ones(shipped):
    for key, entry in shipped.items():
        for language in ("ja", "en"):
            used, errors = template_fields(entry.summary.get(language))
            assert errors == [], key
            assert used == set(entry.placeholders), f"{key} ({language})"


def test_due_days_follow_severity_unless_the_entry_says_otherwise(shipped):
    raw: dict[str, dict[str, Any]] = {}
    for area in GUIDANCE_FILES:
        data = yaml.safe_load((CONTENT_DIR / f"{area}.yaml").read_text(encoding="utf-8"))
        raw.update({e["key"]: e for e in data["entries"]})
    for key, entry in shipped.items():
        expected = raw[key].get("due_days", DEFAULT_DUE_DAYS[entry.severity])
        assert entry.due_days == expected, key
    assert shipped["inventory.leaver_access"].due_days == 3
    assert shipped["inventory.account_not_reviewed"].due_days == 90


def test_inventory_summaries_are_filled_by_the_rule_params(shipped):
    for key, params in RULE_PARAMS.items():
        entry = shipped[key]
        assert entry.missing_params(params) == [], key
        for language in ("ja", "en"):
            text = entry.render_summary(params, language)
            assert "{" not in text and "}" not in text, (key, text)


def test_coded_values_are_shown_in_the_readers_language(shipped):
    share = shipped["inventory.public_share_sensitive"]
    params = {"share": "顧客名簿.xlsx", "scope": "anyone_with_link"}
    assert "リンクを知っている人なら誰でも" in share.render_summary(params, "ja")
    assert "anyone who has the link" in share.render_summary(params, "en")
    byod = shipped["inventory.byod_unprotected"]
    both = {"device": "私物PC", "missing": ["disk_encryption", "screen_lock"]}
    assert "ディスクの暗号化、画面ロック" in byod.render_summary(both, "ja")
    assert "disk encryption, screen lock" in byod.render_summary(both, "en")


def test_playbook_references_exist(shipped):
    playbooks = CONTENT_DIR.parent / "playbooks"
    linked = {e.playbook for e in shipped.values() if e.playbook}
    assert linked  # the leaver, BYOD, disposal, mail, vulnerability and defacement entries
    for playbook in linked:
        assert (playbooks / f"{playbook}.yaml").is_file(), playbook


def test_kev_listed_vulnerabilities_become_critical(shipped):
    entry = shipped["intel.vulnerable_software"]
    assert entry.severity_for([]) == "high"
    assert entry.severity_for(["kev_listed"]) == "critical"
    assert entry.due_days_for("critical") == DEFAULT_DUE_DAYS["critical"]
    assert entry.severity_for(["unknown_condition"]) == "high"


def test_sources_cite_handbook_sections_and_case_titles(shipped):
    disposal = shipped["inventory.disposal_without_erasure"]
    assert ("mic_case", "中古パソコンによるデータの漏洩") in {
        (s.kind, s.ref) for s in disposal.sources
    }
    single = shipped["inventory.single_administrator"]
    assert [s.ref for s in single.sources] == ["ハンドブック 第7章 §2.2"]
    assert "§2.2" in single.sources[0].label("en") and "chapter 7" in single.sources[0].label("en")
    assert "中古パソコン" in disposal.sources[0].label("ja")


def test_get_guidance_returns_shipped_entries_or_none():
    assert get_guidance("inventory.shared_account") is not None
    assert get_guidance("inventory.no_such_rule") is None


def test_as_dict_gives_one_language_or_both(shipped):
    entry = shipped["monitoring.defacement"]
    one = entry.as_dict("en")
    assert one["title"] == entry.title.en and one["steps"][0] == entry.steps[0].en
    both = entry.as_dict()
    assert both["title"] == {"ja": entry.title.ja, "en": entry.title.en}


def test_guidance_is_written_in_our_own_words(shipped):
    """No run of 16 characters of our Japanese text appears in the seed documents."""
    seeds = REPO_DIR.parent / "shared" / "seeds"
    files = sorted(seeds.glob("*.txt")) if seeds.is_dir() else []
    if not files:
        pytest.skip("seed documents (../shared/seeds) are not on this machine")
    source = "".join(
        "".join(unicodedata.normalize("NFKC", f.read_text(encoding="utf-8")).split()) for f in files
    )
    run = 16
    copied = []
    for key, entry in shipped.items():
        for name, text in _texts(entry):
            flat = "".join(unicodedata.normalize("NFKC", text.ja).split())
            if any(flat[i : i + run] in source for i in range(len(flat) - run + 1)):
                copied.append(f"{key}.{name}: {text.ja}")
    assert copied == []


# --------------------------------------------------------------------------- the validator


def _valid_entry() -> dict[str, Any]:
    return {
        "key": "inventory.example_rule",
        "severity": "medium",
        "title": {"ja": "例のタイトルです", "en": "An example title"},
        "summary": {"ja": "「{device}」に問題があります。", "en": "{device} has a problem."},
        "placeholders": ["device"],
        "why": {"ja": "理由を説明します。", "en": "Why it matters."},
        "steps": [
            {"ja": "最初にすること", "en": "First thing to do"},
            {"ja": "次にすること", "en": "Next thing to do"},
        ],
        "sources": ["ハンドブック 第7章 §4", "中古パソコンによるデータの漏洩"],
    }


def _doc(*entries: dict[str, Any], area: str = "inventory") -> dict[str, Any]:
    return {"area": area, "entries": list(entries)}


def _codes(data: Any) -> set[str]:
    return {p.code for p in validate(data)}


def test_a_valid_example_has_no_problems_and_parses():
    entries, problems = parse(_doc(_valid_entry()))
    assert problems == []
    entry = entries["inventory.example_rule"]
    assert entry.due_days == DEFAULT_DUE_DAYS["medium"]
    assert [s.kind for s in entry.sources] == ["handbook", "mic_case"]


def _broken(change) -> dict[str, Any]:
    entry = copy.deepcopy(_valid_entry())
    change(entry)
    return _doc(entry)


BROKEN_ENTRIES = [
    ("missing key", lambda e: e.pop("key"), "missing"),
    ("missing severity", lambda e: e.pop("severity"), "missing"),
    ("missing title", lambda e: e.pop("title"), "missing"),
    ("missing why", lambda e: e.pop("why"), "missing"),
    ("missing placeholders", lambda e: e.pop("placeholders"), "missing"),
    ("unknown field", lambda e: e.update(colour="red"), "unknown_field"),
    ("bad key", lambda e: e.update(key="Inventory.Example"), "bad_key"),
    ("key of another area", lambda e: e.update(key="intel.example"), "key_area_mismatch"),
    ("bad severity", lambda e: e.update(severity="urgent"), "bad_severity"),
    ("empty ja", lambda e: e["title"].update(ja="  "), "empty_text"),
    ("missing en", lambda e: e["why"].pop("en"), "empty_text"),
    ("text not a mapping", lambda e: e.update(why="理由"), "bad_text"),
    ("extra language", lambda e: e["title"].update(fr="Titre"), "unknown_field"),
    ("ja in English", lambda e: e["title"].update(ja="Only English here"), "not_japanese"),
    ("en in Japanese", lambda e: e["why"].update(en="日本語のままです"), "not_english"),
    ("title too long", lambda e: e["title"].update(ja="長" * 200), "too_long"),
    ("braces in why", lambda e: e["why"].update(ja="理由は{device}です"), "stray_braces"),
    ("braces in a step", lambda e: e["steps"][0].update(en="Fix {device}"), "stray_braces"),
    (
        "undeclared placeholder",
        lambda e: e["summary"].update(ja="「{device}」と{person}に問題があります。"),
        "undeclared_placeholder",
    ),
    (
        "unused placeholder",
        lambda e: e.update(placeholders=["device", "person"]),
        "unused_placeholder",
    ),
    (
        "languages disagree",
        lambda e: e["summary"].update(en="Something has a problem."),
        "unused_placeholder",
    ),
    (
        "format spec",
        lambda e: e["summary"].update(en="{device!r} has a problem."),
        "bad_placeholder",
    ),
    ("attribute", lambda e: e["summary"].update(en="{device.x} has a problem."), "bad_placeholder"),
    ("positional", lambda e: e["summary"].update(en="{} has a problem."), "bad_placeholder"),
    ("unbalanced", lambda e: e["summary"].update(en="{device has a problem."), "bad_placeholder"),
    ("placeholders not a list", lambda e: e.update(placeholders="device"), "bad_placeholders"),
    (
        "placeholder twice",
        lambda e: e.update(placeholders=["device", "device"]),
        "duplicate_placeholder",
    ),
    ("no steps", lambda e: e.update(steps=[]), "no_steps"),
    ("steps not a list", lambda e: e.update(steps={"ja": "a", "en": "b"}), "no_steps"),
    (
        "too many steps",
        lambda e: e.update(
            steps=[{"ja": f"手順{i}", "en": f"Step {i}"} for i in range(MAX_STEPS + 1)]
        ),
        "too_many_steps",
    ),
    ("same step twice", lambda e: e["steps"].append(dict(e["steps"][0])), "duplicate_step"),
    ("no sources", lambda e: e.update(sources=[]), "no_sources"),
    (
        "section that does not exist",
        lambda e: e.update(sources=["ハンドブック 第7章 §7.10"]),
        "unknown_source",
    ),
    ("another chapter", lambda e: e.update(sources=["ハンドブック 第6章 §2.2"]), "unknown_source"),
    ("unknown case title", lambda e: e.update(sources=["存在しない事例"]), "unknown_source"),
    ("source not text", lambda e: e.update(sources=[{"ref": "x"}]), "unknown_source"),
    (
        "same source twice",
        lambda e: e.update(sources=["ハンドブック 第7章 §4"] * 2),
        "duplicate_source",
    ),
    ("due days zero", lambda e: e.update(due_days=0), "bad_due_days"),
    ("due days boolean", lambda e: e.update(due_days=True), "bad_due_days"),
    ("due days text", lambda e: e.update(due_days="3"), "bad_due_days"),
    ("severity_when not a mapping", lambda e: e.update(severity_when=["kev"]), "bad_severity_when"),
    (
        "severity_when bad name",
        lambda e: e.update(severity_when={"KEV!": "high"}),
        "bad_severity_when",
    ),
    ("severity_when bad level", lambda e: e.update(severity_when={"kev": "huge"}), "bad_severity"),
    ("severity_when lowers", lambda e: e.update(severity_when={"kev": "low"}), "not_an_escalation"),
    (
        "labels for no placeholder",
        lambda e: e.update(value_labels={"scope": {"a": {"ja": "あ", "en": "a"}}}),
        "undeclared_placeholder",
    ),
    ("labels not a mapping", lambda e: e.update(value_labels=["x"]), "bad_value_labels"),
    ("empty labels", lambda e: e.update(value_labels={"device": {}}), "bad_value_labels"),
    (
        "label in one language",
        lambda e: e.update(value_labels={"device": {"pc": {"ja": "パソコン"}}}),
        "empty_text",
    ),
    ("bad playbook id", lambda e: e.update(playbook="Lost Device!"), "bad_playbook"),
]


@pytest.mark.parametrize(
    ("change", "code"),
    [(c, code) for _, c, code in BROKEN_ENTRIES],
    ids=[n for n, _, _ in BROKEN_ENTRIES],
)
def test_the_validator_reports_each_kind_of_problem(change, code):
    data = _broken(change)
    problems = validate(data, "inventory.yaml")
    assert code in {p.code for p in problems}, [str(p) for p in problems]
    # A broken entry is never handed out as guidance.
    assert parse(data)[0] == {}
    assert all(p.where.startswith("inventory.yaml") for p in problems)


def test_problems_say_where_they_are():
    broken = _valid_entry()
    broken["steps"][1]["en"] = ""
    (problem,) = validate(_doc(_valid_entry() | {"key": "inventory.other"}, broken), "x.yaml")
    assert problem.where == "x.yaml:entries[1].steps[1].en"
    assert "x.yaml:entries[1].steps[1].en: empty_text" in str(problem)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ([], "not_mapping"),
        ("text", "not_mapping"),
        ({"area": "inventory"}, "no_entries"),
        ({"area": "inventory", "entries": []}, "no_entries"),
        ({"area": "Inventory!", "entries": [_valid_entry()]}, "bad_area"),
        ({"area": "inventory", "entries": [_valid_entry()], "extra": 1}, "unknown_field"),
        ({"area": "inventory", "entries": ["not an entry"]}, "not_mapping"),
        ({"area": "inventory", "entries": [_valid_entry(), _valid_entry()]}, "duplicate_key"),
        (
            {"area": "inventory", "entries": [_valid_entry()] * (MAX_ENTRIES + 1)},
            "too_many_entries",
        ),
    ],
    ids=[
        "list",
        "text",
        "no entries",
        "empty entries",
        "bad area",
        "extra field",
        "entry not a mapping",
        "duplicate key",
        "too many entries",
    ],
)
def test_the_validator_reports_file_level_problems(data, code):
    assert code in _codes(data)


def _copy_content(tmp_path: Path) -> Path:
    target = tmp_path / "guidance"
    shutil.copytree(CONTENT_DIR, target)
    return target


def test_check_content_finds_keys_duplicated_across_files(tmp_path):
    folder = _copy_content(tmp_path)
    shutil.copy(folder / "inventory.yaml", folder / "intel.yaml")
    _, problems = check_content(folder)
    codes = {(p.where.split(":")[0], p.code) for p in problems}
    assert ("intel.yaml", "duplicate_key") in codes
    assert ("intel.yaml", "area_mismatch") in codes


def test_check_content_reports_area_mismatch_missing_files_and_aliases(tmp_path):
    folder = _copy_content(tmp_path)
    text = (folder / "monitoring.yaml").read_text(encoding="utf-8")
    (folder / "monitoring.yaml").write_text(text.replace("area: monitoring", "area: intel"))
    (folder / "incident.yaml").unlink()
    (folder / "assessment.yaml").write_text("a: &x [1]\nb: *x\n", encoding="utf-8")
    _, problems = check_content(folder)
    by_file = {(p.where.split(":")[0], p.code) for p in problems}
    assert ("monitoring.yaml", "area_mismatch") in by_file
    assert ("incident.yaml", "unreadable") in by_file
    assert ("assessment.yaml", "unreadable") in by_file
    with pytest.raises(GuidanceInvalid) as caught:
        load_guidance(folder)
    assert caught.value.problems == problems


def test_check_content_refuses_oversized_files(tmp_path):
    folder = _copy_content(tmp_path)
    (folder / "intel.yaml").write_text("# " + "x" * 300_000, encoding="utf-8")
    _, problems = check_content(folder)
    assert any(p.where == "intel.yaml" and p.code == "unreadable" for p in problems)


# --------------------------------------------------------------------------- rendering


def test_render_joins_lists_per_language_and_counts_the_rest():
    many = [f"PC-{i}" for i in range(MAX_LIST_ITEMS + 3)]
    ja = render("{items}", {"items": many}, "ja")
    en = render("{items}", {"items": many}, "en")
    assert ja.startswith("PC-0、PC-1") and ja.endswith("ほか3件")
    assert en.startswith("PC-0, PC-1") and en.endswith("and 3 more")


def test_render_picks_the_language_of_bilingual_values():
    params = {"scope": Text(ja="一般公開", en="public"), "why": {"ja": "期限切れ", "en": "expired"}}
    assert render("{scope}/{why}", params, "ja") == "一般公開/期限切れ"
    assert render("{scope}/{why}", params, "en-gb") == "public/expired"


def test_render_keeps_missing_params_visible_and_never_reparses_values():
    assert render("{a} and {b}", {"a": "{b.__class__}"}, "en") == "{b.__class__} and {b}"


def test_render_shows_dates_booleans_none_and_caps_long_values():
    params = {"d": date(2026, 1, 2), "flag": True, "none": None, "long": "x" * 1000}
    assert render("{d} {flag} {none}", params, "ja") == "2026-01-02 はい —"
    assert render("{flag}", params, "en") == "yes"
    long = render("{long}", params, "ja")
    assert len(long) == MAX_VALUE_CHARS and long.endswith("…")


def test_render_returns_a_broken_template_unchanged():
    assert render("{oops", {"oops": 1}) == "{oops"


def test_due_days_never_get_slower_when_severity_rises():
    entry = parse(_doc(_valid_entry() | {"due_days": 2, "severity_when": {"kev": "high"}}))[0][
        "inventory.example_rule"
    ]
    assert entry.due_days_for() == 2
    assert entry.due_days_for("medium") == 2
    assert entry.due_days_for("high") == 2  # the default for high (14) would be slower
    assert entry.due_days_for("critical") == 2
    relaxed = parse(_doc(_valid_entry() | {"due_days": 60}))[0]["inventory.example_rule"]
    assert relaxed.due_days_for("critical") == DEFAULT_DUE_DAYS["critical"]


# --------------------------------------------------------------------------- robustness

_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 500),
    st.text(max_size=12),
    st.sampled_from(["{x}", "{", "}", "ハンドブック 第7章 §4", *SEVERITIES, "key", "ja", "en"]),
)
_tree = st.recursive(
    _leaf,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.sampled_from(
                [
                    "key",
                    "severity",
                    "title",
                    "summary",
                    "placeholders",
                    "why",
                    "steps",
                    "sources",
                    "due_days",
                    "severity_when",
                    "value_labels",
                    "playbook",
                    "ja",
                    "en",
                    "area",
                    "entries",
                    "x",
                ]
            ),
            children,
            max_size=6,
        ),
    ),
    max_leaves=30,
)


@settings(max_examples=200, deadline=None)
@given(data=_tree)
def test_validate_never_raises_on_arbitrary_data(data):
    problems = validate(data)
    assert isinstance(problems, list)


@settings(max_examples=200, deadline=None)
@given(
    entry=st.fixed_dictionaries({}, optional={k: _tree for k in _valid_entry()}).map(
        lambda mutated: _valid_entry() | mutated
    )
)
def test_validate_never_raises_on_mutated_entries(entry):
    entries, problems = parse(_doc(entry))
    # One entry in the file: it is handed out exactly when nothing is wrong with it.
    assert bool(entries) != bool(problems)


@settings(max_examples=200, deadline=None)
@given(
    template=st.text(max_size=40), params=st.dictionaries(st.text(max_size=5), _tree, max_size=4)
)
def test_render_never_raises(template, params):
    assert isinstance(render(template, params, "ja"), str)
    assert isinstance(render(template, params, "en"), str)
