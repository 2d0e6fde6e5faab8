"""Playbook content: every shipped playbook validates, every MIC case has one, and the
validator reports precise problems for broken content."""

from __future__ import annotations

import json
import shutil
import unicodedata
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from mamori.core.corpus import REPO_DIR
from mamori.incidents.playbooks import (
    ADMIN_PHASES,
    CONTENT_DIR,
    MIC_CASE_TITLES,
    PlaybookContentError,
    load_catalog,
    missing_case_titles,
    normalise_title,
    validate_content,
    validate_playbook,
)
from mamori.incidents.yamlsafe import MAX_FILE_BYTES, parse_yaml_text

# The case titles of the MIC document, kept here so the test works without the seed folder.
EXPECTED_MIC_CASES = (
    "資料請求の情報が漏洩した",
    "ホームページが書き換えられた",
    "他人の IDで不正にオンライン株取引",
    "中古パソコンによるデータの漏洩",
    "情報セキュリティ対策は万全だったはずなのに・・・",
    "標的型攻撃で、企業の重要情報が・・・",
    "公式アカウントが乗っ取られた",
    "有名サイトからダウンロードしたはずなのに・・・",
    "クラウドサービスに預けていた重要データが消えた",
    "Wordファイルを開いただけで・・・",
    "メールが他人に読まれている？",
    "突然データが見られなくなった",
    "不正アクセスされてシステムが使えなくなった",
    "データベースに不正アクセスされた",
    "暗号化して送ったはずが・・・",
    "正しい取引先に送金したはずが・・・",
)

# The handbook attacks the issue lists beyond the MIC cases, with the playbook for each.
HANDBOOK_ATTACKS = {
    "phishing-credentials": "ハンドブック 第7章 §7.2",
    "credential-stuffing": "ハンドブック 第7章 §7.6",
    "ddos": "ハンドブック 第7章 §7.8",
    "lost-device": "ハンドブック 第7章 §7.9",
    "former-employee-insider": "ハンドブック 第7章 §6.2",
    "mail-misaddressed": "ハンドブック 第7章 §7.9",
    "ransomware": "ハンドブック 第7章 §7.5",
    "website-defacement": "ハンドブック 第7章 §7.7",
    "sns-account-takeover": "ハンドブック 第7章 §7.7",
    "bec-payee-fraud": "ハンドブック 第7章 §7.4",
    "targeted-attack-mail": "ハンドブック 第7章 §7.1",
}


def _seed_case_titles() -> list[str] | None:
    """Case titles read from the MIC seed: the line before each 「◼ 事故・被害事例」."""
    seeds = REPO_DIR.parent / "shared" / "seeds"
    found = sorted(seeds.glob("004_*.txt")) if seeds.is_dir() else []
    if not found:
        return None
    lines = found[0].read_text(encoding="utf-8").splitlines()
    titles = []
    for i, line in enumerate(lines):
        if line.strip().startswith("◼") and "事故・被害事例" in line:
            j = i - 1
            while j >= 0 and not lines[j].strip():
                j -= 1
            titles.append(lines[j].strip())
    return titles


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def test_every_shipped_playbook_validates():
    problems = validate_content()
    assert problems == [], "\n".join(str(p) for p in problems)


def test_every_mic_case_in_the_explicit_list_has_a_playbook(catalog):
    assert missing_case_titles(catalog, EXPECTED_MIC_CASES) == []
    assert {normalise_title(t) for t in EXPECTED_MIC_CASES} == {
        normalise_title(t) for t in MIC_CASE_TITLES
    }


def test_every_case_title_in_the_seed_document_has_a_playbook(catalog):
    titles = _seed_case_titles()
    if titles is None:
        pytest.skip("MIC seed document (../shared/seeds/004_*.txt) is not on this machine")
    assert len(titles) >= len(EXPECTED_MIC_CASES)
    assert missing_case_titles(catalog, titles) == []
    # The explicit list stays in step with the document.
    assert {normalise_title(t) for t in titles} == {normalise_title(t) for t in EXPECTED_MIC_CASES}


def test_handbook_attacks_have_playbooks_citing_their_section(catalog):
    for playbook_id, section in HANDBOOK_ATTACKS.items():
        playbook = catalog.get(playbook_id)
        assert playbook is not None, playbook_id
        assert section in {s.ref for s in playbook.sources if s.kind == "handbook"}, playbook_id


def test_ransomware_first_user_step_is_disconnect_from_network(catalog):
    ransomware = catalog.get("ransomware")
    assert ransomware.user_steps[0].text.ja == "まずネットワークから切り離す"
    assert ransomware.user_steps[0].text.en
    assert ransomware.user_steps[0].id == "ransomware.user.disconnect"


def test_checklist_puts_the_first_user_step_first_then_admin_phases_in_order(catalog):
    ransomware = catalog.get("ransomware")
    items = ransomware.checklist()
    assert items[0].text.ja == "まずネットワークから切り離す"
    assert items[0].role == "user" and items[0].phase is None
    phases = [i.phase for i in items if i.role == "admin"]
    assert phases == sorted(phases, key=ADMIN_PHASES.index)
    assert set(phases) == set(ADMIN_PHASES)
    assert not any(i.role == "home" for i in items)
    with_home = ransomware.checklist(roles=("user", "home", "admin"))
    assert len(with_home) == len(items) + len(ransomware.home_steps)
    assert [i.step_id for i in items] == [
        s.id for s in ransomware.user_steps + ransomware.admin_steps.all()
    ]


def test_playbook_as_data_is_json_serialisable(catalog):
    data = catalog.get("bec-payee-fraud").as_data()
    text = json.dumps(data, ensure_ascii=False)
    assert "bec-payee-fraud.user.bank" in text and "銀行" in text


def test_structure_of_every_playbook(catalog):
    ids: set[str] = set()
    for pb in catalog.playbooks:
        assert pb.sources and pb.recognise and pb.user_steps and pb.prevention and pb.contacts
        for phase, steps in pb.admin_steps.phases():
            assert phase in ADMIN_PHASES and steps, (pb.id, phase)
        for item in (*pb.all_steps(), *pb.legal, *pb.prevention):
            assert item.id not in ids, item.id
            ids.add(item.id)
            assert item.text.ja.strip() and item.text.en.strip()
        for contact in pb.contacts:
            assert contact in catalog.contacts
        assert pb.step(pb.user_steps[0].id) is pb.user_steps[0]


def _japanese_texts(pb) -> list[str]:
    texts = [pb.title.ja, pb.summary.ja, *(r.ja for r in pb.recognise)]
    for item in (*pb.all_steps(), *pb.legal, *pb.prevention):
        texts.append(item.text.ja)
        if item.detail is not None:
            texts.append(item.detail.ja)
    return texts


def test_playbooks_are_written_in_our_own_words(catalog):
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
    for pb in catalog.playbooks:
        for text in _japanese_texts(pb):
            flat = "".join(unicodedata.normalize("NFKC", text).split())
            if any(flat[i : i + run] in source for i in range(len(flat) - run + 1)):
                copied.append(f"{pb.id}: {text}")
    assert copied == []


def test_playbooks_that_touch_personal_data_point_to_the_breach_clock(catalog):
    for pb in catalog.playbooks:
        if pb.personal_data in ("likely", "possible"):
            assert any(duty.breach_clock for duty in pb.legal), pb.id


def test_contacts_cover_the_types_the_issue_names(catalog):
    for contact_id in (
        "police_cyber",
        "ipa_anshin",
        "jpcert",
        "ppc_report",
        "bank",
        "sns_operator",
        "hosting_provider",
    ):
        assert contact_id in catalog.contacts
    for contact in catalog.contacts.values():
        if contact.kind == "public":
            assert contact.url or contact.phone or contact.email
            assert contact.source_url and contact.source_url.startswith("https://")


def _step_ids(playbook) -> set[str]:
    return {step.id for step in playbook.all_steps()}


def _all_text(playbook) -> str:
    return json.dumps(playbook.as_data(), ensure_ascii=False)


def test_ransomware_carries_the_first_hour_steps_issue_16_names(catalog):
    pb = catalog.get("ransomware")
    ids = _step_ids(pb)
    for step in (
        "pause-backup",
        "export-logs",
        "variant",
        "leak-sites",
        "no-restore-yet",
        "continuity",
        "ipa-report",
    ):
        assert f"ransomware.admin.{step}" in ids
    text = _all_text(pb)
    assert "No More Ransom" in text and "文例" in text
    # おそれ is enough: prepare the 速報 unless exfiltration is ruled out
    legal = next(d for d in pb.legal if d.id == "ransomware.legal.ppc")
    assert "速報を準備" in legal.text.ja and "第7条第3号" in legal.text.ja
    assert "なりうる" not in legal.text.ja
    assert {"ipa_report", "no_more_ransom", "insurer"} <= set(pb.contacts)


def test_bec_calls_the_bank_within_the_hour_and_leaves_paying_again_to_management(catalog):
    pb = catalog.get("bec-payee-fraud")
    text = _all_text(pb)
    for phrase in ("1 時間以内", "振り込め詐欺救済法", "SWIFT", ".eml", "OAuth", "サインイン履歴"):
        assert phrase in text
    ids = _step_ids(pb)
    assert "bec-payee-fraud.user.no-reply" in ids
    assert "bec-payee-fraud.admin.insurer" in ids
    pay_again = pb.step("bec-payee-fraud.admin.pay-again")
    assert pay_again is not None
    assert "経営者" in pay_again.text.ja and "弁護士" in pay_again.text.ja
    assert {"bank", "insurer", "lawyer"} <= set(pb.contacts)


def test_emotet_checks_every_pc_smtp_password_and_someone_elses_infection(catalog):
    pb = catalog.get("emotet-macro")
    text = _all_text(pb)
    assert "全 PC" in text and "言い切れない" in text
    ids = _step_ids(pb)
    for step in ("smtp-password", "second-stage", "not-our-infection", "jpcert-report"):
        assert f"emotet-macro.admin.{step}" in ids


def test_web_form_and_defacement_cite_the_2024_amendment(catalog):
    for pid in ("web-form-leak", "website-defacement"):
        pb = catalog.get(pid)
        assert any("第7条第3号" in d.text.ja and d.breach_clock for d in pb.legal), pid
    web = catalog.get("web-form-leak")
    assert "web-form-leak.admin.preserve-logs" in _step_ids(web)
    assert "card_company" in web.contacts


def test_cloud_loss_is_reportable_whatever_the_cause_unless_a_copy_exists(catalog):
    legal = catalog.get("cloud-data-loss").legal[0]
    assert "原因" in legal.text.ja and "問わず" in legal.text.ja
    assert "バックアップ" in legal.text.ja and "3-5-1-2" in legal.text.ja


def test_contacts_carry_source_and_last_checked_date_and_the_ipa_desks_are_labelled(catalog):
    for contact in catalog.contacts.values():
        if contact.kind == "public":
            assert contact.checked_on and contact.checked_on[:2] == "20", contact.id
    business = catalog.contacts["ipa_business"]
    assert business.email == "cs-support@ipa.go.jp"
    assert "企業・組織" in business.name.ja
    assert "個人" in catalog.contacts["ipa_anshin"].name.ja
    # businesses are sent to the business desk, never the desk for individuals
    for pb in catalog.playbooks:
        assert "ipa_anshin" not in pb.contacts or "ipa_business" in pb.contacts, pb.id
    assert "nisc.go.jp" not in json.dumps(
        [pb.as_data() for pb in catalog.playbooks], ensure_ascii=False
    )


def test_contact_without_checked_on_is_a_problem():
    from mamori.incidents.playbooks import validate_contacts

    data = yaml.safe_load((CONTENT_DIR / "contacts.yaml").read_text(encoding="utf-8"))
    del data["contacts"][0]["checked_on"]
    _, problems = validate_contacts(data)
    assert any("checked_on" in str(p) for p in problems)
    data["contacts"][0]["checked_on"] = "last year"
    _, problems = validate_contacts(data)
    assert any("YYYY-MM-DD" in str(p) for p in problems)


# --------------------------------------------------------------------------- the validator


def _good_playbook() -> dict:
    return yaml.safe_load((CONTENT_DIR / "ddos.yaml").read_text(encoding="utf-8"))


def _problems(data: object) -> list[str]:
    _, problems = validate_playbook(
        data, file="ddos.yaml", contact_ids=load_catalog().contacts.keys()
    )
    return [str(p) for p in problems]


def test_validator_accepts_a_good_playbook():
    assert _problems(_good_playbook()) == []


def test_validator_reports_missing_section():
    data = _good_playbook()
    del data["prevention"]
    assert any("prevention: missing section" in p for p in _problems(data))


def test_validator_reports_missing_language():
    data = _good_playbook()
    del data["steps"]["user"][0]["en"]
    assert any("steps.user[0].en: must be a non-empty string" in p for p in _problems(data))


def test_validator_reports_wrong_language():
    data = _good_playbook()
    data["title"]["en"] = "日本語のタイトル"
    data["summary"]["ja"] = "English only here"
    problems = _problems(data)
    assert any("title.en: does not read as English" in p for p in problems)
    assert any("summary.ja: contains no Japanese characters" in p for p in problems)


def test_validator_reports_empty_step_and_empty_phase():
    data = _good_playbook()
    data["steps"]["user"][0]["ja"] = "   "
    data["steps"]["admin"]["recover"] = []
    problems = _problems(data)
    assert any("steps.user[0].ja: must be a non-empty string" in p for p in problems)
    assert any("steps.admin.recover: must not be empty" in p for p in problems)


def test_validator_reports_missing_admin_phase():
    data = _good_playbook()
    del data["steps"]["admin"]["scope"]
    assert any("steps.admin.scope: must be a list" in p for p in _problems(data))


def test_validator_reports_duplicate_ids():
    data = _good_playbook()
    data["prevention"][1]["id"] = data["prevention"][0]["id"]
    assert any("duplicate id 'ddos.prevent.cdn'" in p for p in _problems(data))


def test_validator_reports_id_without_playbook_prefix():
    data = _good_playbook()
    data["steps"]["user"][0]["id"] = "ransomware.user.report"
    assert any("must start with 'ddos.user.'" in p for p in _problems(data))


def test_validator_reports_unknown_contact():
    data = _good_playbook()
    data["contacts"].append("ghostbusters")
    assert any("'ghostbusters' is not an id in contacts.yaml" in p for p in _problems(data))


def test_validator_reports_source_problems():
    data = _good_playbook()
    data["sources"] = [
        {"kind": "mic_case", "ref": "存在しない事例"},
        {"kind": "handbook", "ref": "第7章"},
        {"kind": "blog", "ref": "somewhere"},
    ]
    problems = _problems(data)
    assert any("sources[0].ref" in p and "not a case title" in p for p in problems)
    assert any("sources[1].ref" in p for p in problems)
    assert any("sources[2].kind" in p for p in problems)


def test_validator_requires_a_source_citation():
    data = _good_playbook()
    data["sources"] = []
    assert any("sources: must not be empty" in p for p in _problems(data))


def test_validator_reports_file_name_mismatch():
    data = _good_playbook()
    data["id"] = "something-else"
    assert any("file must be named something-else.yaml" in p for p in _problems(data))


def test_load_catalog_raises_with_problems_for_a_broken_folder(tmp_path: Path):
    for name in ("contacts.yaml", "ddos.yaml", "ransomware.yaml"):
        shutil.copy(CONTENT_DIR / name, tmp_path / name)
    broken = _good_playbook()
    broken["id"] = "ransomware"  # clashes with the real ransomware ids
    broken["steps"]["user"][0]["id"] = "ransomware.user.disconnect"
    (tmp_path / "ddos.yaml").write_text(yaml.safe_dump(broken, allow_unicode=True), "utf-8")
    problems = [str(p) for p in validate_content(tmp_path)]
    assert any("file must be named ransomware.yaml" in p for p in problems)
    assert any("duplicate id 'ransomware.user.disconnect'" in p for p in problems)
    with pytest.raises(PlaybookContentError) as info:
        load_catalog(tmp_path)
    assert info.value.problems


def test_valid_copy_of_content_loads(tmp_path: Path):
    for name in ("contacts.yaml", "ddos.yaml", "lost-device.yaml"):
        shutil.copy(CONTENT_DIR / name, tmp_path / name)
    catalog = load_catalog(tmp_path)
    assert {pb.id for pb in catalog.playbooks} == {"ddos", "lost-device"}


def test_yaml_reader_refuses_aliases_and_oversize():
    data, error = parse_yaml_text("a: &x [1, 2]\nb: *x\n")
    assert data is None and "aliases" in error
    data, error = parse_yaml_text("a: " + "x" * (MAX_FILE_BYTES + 1))
    assert data is None and "larger" in error
    data, error = parse_yaml_text("a: [" * 40 + "]" * 40)
    assert data is None and error


def test_yaml_reader_reports_syntax_errors():
    data, error = parse_yaml_text("a: [1, 2\nb: }")
    assert data is None and error.startswith("YAML error")


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(["id", "ja", "en", "steps", "admin", "user", "sources", "kind", "ref"])
            | st.text(max_size=8),
            children,
            max_size=5,
        )
    ),
    max_leaves=30,
)


@settings(max_examples=150, deadline=None)
@given(_json)
def test_validator_never_raises_on_arbitrary_data(data):
    playbook, problems = validate_playbook(data, file="x.yaml", contact_ids=["bank"])
    assert playbook is None
    assert problems


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300))
def test_yaml_reader_never_raises(text):
    data, error = parse_yaml_text(text)
    assert error is None or isinstance(error, str)
