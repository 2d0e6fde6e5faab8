"""Incident playbooks: load the YAML content, validate it precisely, hand back dataclasses.

A playbook file (``mamori/content/playbooks/<id>.yaml``) says how to recognise one kind of
incident, what the person who noticed it does first, what the administrator does (grouped as
contain / scope / remove cause / recover / report), whom to contact, which legal duties may apply
and which prevention measures (予防法) follow. Every text is given in Japanese and English.

``validate_content`` returns a list of precise problems (file, path inside it, message) and never
raises on bad content; ``load_catalog`` returns the dataclasses or raises ``PlaybookContentError``
carrying that same list. Pure Python: no Django imports.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

from mamori.incidents.yamlsafe import read_yaml_file

CONTENT_DIR = Path(__file__).resolve().parents[1] / "content" / "playbooks"

# Files in the playbook folder that are not playbooks.
RESERVED_FILES = frozenset({"contacts.yaml", "triage.yaml", "breach_report.yaml"})
MAX_PLAYBOOK_FILES = 200
MAX_ITEMS_PER_LIST = 60
MAX_TEXT_CHARS = 2000

# The case titles of MIC「事故・被害事例および対処法」, exactly as the document spells them
# (whitespace differences aside: see ``normalise_title``).
MIC_CASE_TITLES: tuple[str, ...] = (
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
MIC_DOCUMENT = "事故・被害事例および対処法"

HANDBOOK_REF = re.compile(r"^ハンドブック 第(?P<chapter>\d+)章 §(?P<section>\d+(?:\.\d+)?)$")
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
ITEM_ID_PATTERN = re.compile(r"^[a-z0-9]+(?:[-_.][a-z0-9]+)*$")
ADMIN_PHASES: tuple[str, ...] = ("contain", "scope", "remove_cause", "recover", "report")
# Each admin phase in the three stages of IPA 「中小企業のためのセキュリティインシデント対応の
# 手引き」: 検知・初動 (detect), 報告・公表 (report), 復旧・再発防止 (recover).
IPA_STAGE_OF_PHASE: dict[str, str] = {
    "contain": "detect",
    "scope": "detect",
    "report": "report",
    "remove_cause": "recover",
    "recover": "recover",
}
ROLES: tuple[str, ...] = ("user", "home", "admin")
PERSONAL_DATA_LEVELS = ("likely", "possible", "unlikely")
CONTACT_KINDS = ("public", "organisation")

_KANA_OR_KANJI = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_LATIN = re.compile(r"[A-Za-z]")


def normalise_title(title: str) -> str:
    """Compare case titles ignoring width and whitespace differences of the PDF extraction."""
    return "".join(unicodedata.normalize("NFKC", title).split())


# --------------------------------------------------------------------------- dataclasses


@dataclass(frozen=True)
class Text:
    """A user-visible text in both languages."""

    ja: str
    en: str

    def get(self, language: str) -> str:
        return self.en if language.startswith("en") else self.ja


@dataclass(frozen=True)
class Source:
    """Where the facts come from: a MIC case title or a handbook section."""

    kind: str  # "mic_case" or "handbook"
    ref: str

    @property
    def label(self) -> str:
        if self.kind == "mic_case":
            return f"{MIC_DOCUMENT}「{self.ref}」"
        return self.ref


@dataclass(frozen=True)
class Step:
    """One thing to do; ``id`` is stable so checklists and timelines can refer to it."""

    id: str
    text: Text
    detail: Text | None = None


@dataclass(frozen=True)
class AdminSteps:
    contain: tuple[Step, ...]
    scope: tuple[Step, ...]
    remove_cause: tuple[Step, ...]
    recover: tuple[Step, ...]
    report: tuple[Step, ...]

    def phases(self) -> tuple[tuple[str, tuple[Step, ...]], ...]:
        return tuple((phase, getattr(self, phase)) for phase in ADMIN_PHASES)

    def all(self) -> tuple[Step, ...]:
        return tuple(step for _, steps in self.phases() for step in steps)


@dataclass(frozen=True)
class LegalDuty:
    id: str
    text: Text
    detail: Text | None = None
    breach_clock: bool = False  # True: 個人情報保護法の漏えい等報告 may apply (see breach_clock)


@dataclass(frozen=True)
class Prevention:
    """A prevention measure (予防法); ``id`` lets it become a tracked action later."""

    id: str
    text: Text
    detail: Text | None = None


@dataclass(frozen=True)
class Reference:
    title: Text
    url: str


@dataclass(frozen=True)
class Playbook:
    id: str
    title: Text
    summary: Text
    sources: tuple[Source, ...]
    personal_data: str  # likely / possible / unlikely: how often the breach clock applies
    recognise: tuple[Text, ...]
    keywords_ja: tuple[str, ...]
    keywords_en: tuple[str, ...]
    user_steps: tuple[Step, ...]
    home_steps: tuple[Step, ...]
    admin_steps: AdminSteps
    contacts: tuple[str, ...]
    legal: tuple[LegalDuty, ...]
    prevention: tuple[Prevention, ...]
    references: tuple[Reference, ...] = ()

    def all_steps(self) -> tuple[Step, ...]:
        return self.user_steps + self.home_steps + self.admin_steps.all()

    def step(self, step_id: str) -> Step | None:
        return next((s for s in self.all_steps() if s.id == step_id), None)

    def checklist(self, roles: tuple[str, ...] = ("user", "admin")) -> tuple[ChecklistItem, ...]:
        """The steps as an ordered checklist: the noticing user's steps first, then (if asked)
        the home user's, then the administrator's by phase (contain → … → report)."""
        items: list[ChecklistItem] = []
        if "user" in roles:
            items.extend(
                ChecklistItem(s.id, "user", None, s.text, s.detail) for s in self.user_steps
            )
        if "home" in roles:
            items.extend(
                ChecklistItem(s.id, "home", None, s.text, s.detail) for s in self.home_steps
            )
        if "admin" in roles:
            for phase, steps in self.admin_steps.phases():
                items.extend(ChecklistItem(s.id, "admin", phase, s.text, s.detail) for s in steps)
        return tuple(items)

    def as_data(self) -> dict[str, object]:
        """Plain data (dicts, tuples, strings) for JSON export and reports."""
        return asdict(self)


@dataclass(frozen=True)
class ChecklistItem:
    """One checklist line of an incident: a playbook step with its role and phase."""

    step_id: str
    role: str  # user (利用する人), home (家庭の利用者) or admin (管理する人)
    phase: str | None  # for admin steps: contain, scope, remove_cause, recover, report
    text: Text
    detail: Text | None = None


@dataclass(frozen=True)
class Contact:
    id: str
    kind: str  # public (a published service) or organisation (the organisation fills it in)
    name: Text
    description: Text
    url: str | None = None
    phone: str | None = None
    email: str | None = None
    hours: Text | None = None
    source_url: str | None = None
    checked_on: str | None = None  # YYYY-MM-DD: when the address was last checked at source_url


@dataclass(frozen=True)
class Problem:
    """One precise content problem: which file, where inside it, what is wrong."""

    file: str
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.path}" if self.path else self.file
        return f"{where}: {self.message}"


class PlaybookContentError(Exception):
    """The shipped playbook content does not validate; ``problems`` says where and why."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        shown = "; ".join(str(p) for p in problems[:5])
        more = f" (+{len(problems) - 5} more)" if len(problems) > 5 else ""
        super().__init__(f"{len(problems)} playbook content problem(s): {shown}{more}")


@dataclass(frozen=True)
class Catalog:
    playbooks: tuple[Playbook, ...]
    contacts: Mapping[str, Contact]
    by_id: Mapping[str, Playbook] = field(default_factory=dict)

    def get(self, playbook_id: str) -> Playbook | None:
        return self.by_id.get(playbook_id)

    def for_case(self, case_title: str) -> tuple[Playbook, ...]:
        wanted = normalise_title(case_title)
        return tuple(
            pb
            for pb in self.playbooks
            if any(s.kind == "mic_case" and normalise_title(s.ref) == wanted for s in pb.sources)
        )


# --------------------------------------------------------------------------- validation


class _Checker:
    """Collects problems for one file while walking its data."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def add(self, path: str, message: str) -> None:
        self.problems.append(Problem(self.file, path, message))

    def mapping(self, value: object, path: str) -> Mapping[str, object] | None:
        if not isinstance(value, dict):
            self.add(path, f"must be a mapping, got {type(value).__name__}")
            return None
        return value

    def items(self, value: object, path: str, *, required: bool = True) -> list[object]:
        if value is None and not required:
            return []
        if not isinstance(value, list):
            self.add(path, f"must be a list, got {type(value).__name__}")
            return []
        if required and not value:
            self.add(path, "must not be empty")
        if len(value) > MAX_ITEMS_PER_LIST:
            self.add(path, f"has more than {MAX_ITEMS_PER_LIST} items")
            return value[:MAX_ITEMS_PER_LIST]
        return value

    def string(self, value: object, path: str) -> str | None:
        if not isinstance(value, str) or not value.strip():
            self.add(path, "must be a non-empty string")
            return None
        if len(value) > MAX_TEXT_CHARS:
            self.add(path, f"is longer than {MAX_TEXT_CHARS} characters")
        return value.strip()

    def text(self, value: object, path: str) -> Text | None:
        """A {ja, en} pair: both present, non-empty, and each in its own language."""
        data = self.mapping(value, path)
        if data is None:
            return None
        unknown = sorted(set(data) - {"ja", "en"})
        if unknown:
            self.add(path, f"unknown keys {unknown} (only ja and en)")
        ja = self.string(data.get("ja"), f"{path}.ja")
        en = self.string(data.get("en"), f"{path}.en")
        if ja is not None and not _KANA_OR_KANJI.search(ja):
            self.add(f"{path}.ja", "contains no Japanese characters")
        if en is not None and (_KANA.search(en) or not _LATIN.search(en)):
            self.add(f"{path}.en", "does not read as English (kana present or no Latin letters)")
        if ja is None or en is None:
            return None
        return Text(ja=ja, en=en)

    def item_id(self, value: object, path: str, prefix: str, seen: dict[str, str]) -> str | None:
        item_id = self.string(value, path)
        if item_id is None:
            return None
        if not ITEM_ID_PATTERN.match(item_id):
            self.add(path, f"id {item_id!r} must be lower-case letters, digits, '-', '_' or '.'")
        if not item_id.startswith(prefix):
            self.add(path, f"id {item_id!r} must start with {prefix!r}")
        if item_id in seen:
            self.add(path, f"duplicate id {item_id!r} (also at {seen[item_id]})")
        else:
            seen[item_id] = f"{self.file}:{path}"
        return item_id


def _step(c: _Checker, value: object, path: str, prefix: str, seen: dict[str, str]) -> Step | None:
    data = c.mapping(value, path)
    if data is None:
        return None
    unknown = sorted(set(data) - {"id", "ja", "en", "detail"})
    if unknown:
        c.add(path, f"unknown keys {unknown}")
    step_id = c.item_id(data.get("id"), f"{path}.id", prefix, seen)
    text = c.text({"ja": data.get("ja"), "en": data.get("en")}, path)
    detail = c.text(data["detail"], f"{path}.detail") if "detail" in data else None
    if step_id is None or text is None:
        return None
    return Step(id=step_id, text=text, detail=detail)


def _steps(
    c: _Checker, value: object, path: str, prefix: str, seen: dict[str, str], required: bool
) -> tuple[Step, ...]:
    steps = [
        _step(c, item, f"{path}[{i}]", prefix, seen)
        for i, item in enumerate(c.items(value, path, required=required))
    ]
    return tuple(s for s in steps if s is not None)


def _sources(c: _Checker, value: object) -> tuple[Source, ...]:
    known = {normalise_title(t): t for t in MIC_CASE_TITLES}
    out: list[Source] = []
    for i, item in enumerate(c.items(value, "sources")):
        path = f"sources[{i}]"
        data = c.mapping(item, path)
        if data is None:
            continue
        kind = data.get("kind")
        ref = c.string(data.get("ref"), f"{path}.ref")
        if kind not in ("mic_case", "handbook"):
            c.add(f"{path}.kind", "must be 'mic_case' or 'handbook'")
            continue
        if ref is None:
            continue
        if kind == "mic_case" and normalise_title(ref) not in known:
            c.add(f"{path}.ref", f"{ref!r} is not a case title of {MIC_DOCUMENT}")
        if kind == "handbook" and not HANDBOOK_REF.match(ref):
            c.add(f"{path}.ref", f"{ref!r} must look like 'ハンドブック 第7章 §7.5'")
        out.append(Source(kind=str(kind), ref=ref))
    return tuple(out)


def _keywords(c: _Checker, value: object) -> tuple[tuple[str, ...], tuple[str, ...]]:
    data = c.mapping(value, "keywords")
    if data is None:
        return (), ()
    result: list[tuple[str, ...]] = []
    for lang in ("ja", "en"):
        words: list[str] = []
        for i, word in enumerate(c.items(data.get(lang), f"keywords.{lang}")):
            text = c.string(word, f"keywords.{lang}[{i}]")
            if text is not None:
                words.append(text)
        lowered = [w.casefold() for w in words]
        if len(set(lowered)) != len(lowered):
            c.add(f"keywords.{lang}", "contains duplicates")
        result.append(tuple(words))
    return result[0], result[1]


def _legal(c: _Checker, value: object, prefix: str, seen: dict[str, str]) -> tuple[LegalDuty, ...]:
    out: list[LegalDuty] = []
    for i, item in enumerate(c.items(value, "legal")):
        path = f"legal[{i}]"
        data = c.mapping(item, path)
        if data is None:
            continue
        unknown = sorted(set(data) - {"id", "ja", "en", "detail", "breach_clock"})
        if unknown:
            c.add(path, f"unknown keys {unknown}")
        duty_id = c.item_id(data.get("id"), f"{path}.id", prefix, seen)
        text = c.text({"ja": data.get("ja"), "en": data.get("en")}, path)
        detail = c.text(data["detail"], f"{path}.detail") if "detail" in data else None
        clock = data.get("breach_clock", False)
        if not isinstance(clock, bool):
            c.add(f"{path}.breach_clock", "must be true or false")
            clock = False
        if duty_id and text:
            out.append(LegalDuty(id=duty_id, text=text, detail=detail, breach_clock=clock))
    return tuple(out)


def _prevention(
    c: _Checker, value: object, prefix: str, seen: dict[str, str]
) -> tuple[Prevention, ...]:
    out: list[Prevention] = []
    for i, item in enumerate(c.items(value, "prevention")):
        step = _step(c, item, f"prevention[{i}]", prefix, seen)
        if step is not None:
            out.append(Prevention(id=step.id, text=step.text, detail=step.detail))
    return tuple(out)


def _references(c: _Checker, value: object) -> tuple[Reference, ...]:
    out: list[Reference] = []
    for i, item in enumerate(c.items(value, "references", required=False)):
        path = f"references[{i}]"
        data = c.mapping(item, path)
        if data is None:
            continue
        title = c.text(data.get("title"), f"{path}.title")
        url = c.string(data.get("url"), f"{path}.url")
        if url is not None and not url.startswith("https://"):
            c.add(f"{path}.url", "must be an https:// address")
        if title and url:
            out.append(Reference(title=title, url=url))
    return tuple(out)


_PLAYBOOK_KEYS = frozenset(
    {
        "id",
        "title",
        "summary",
        "sources",
        "personal_data",
        "recognise",
        "keywords",
        "steps",
        "contacts",
        "legal",
        "prevention",
        "references",
    }
)


def validate_playbook(
    data: object,
    *,
    file: str,
    contact_ids: Iterable[str],
    seen_ids: dict[str, str] | None = None,
) -> tuple[Playbook | None, list[Problem]]:
    """Check one playbook's data; returns the playbook (when usable) and every problem found.

    ``seen_ids`` is shared across files so step, legal and prevention ids are unique overall.
    """
    c = _Checker(file)
    seen = seen_ids if seen_ids is not None else {}
    root = c.mapping(data, "")
    if root is None:
        return None, c.problems
    for key in sorted(set(root) - _PLAYBOOK_KEYS):
        c.add(key, "unknown section")
    for key in sorted(_PLAYBOOK_KEYS - {"references"} - set(root)):
        c.add(key, "missing section")

    pb_id = c.string(root.get("id"), "id")
    if pb_id is not None and not ID_PATTERN.match(pb_id):
        c.add("id", f"{pb_id!r} must be lower-case letters and digits joined by '-' or '_'")
    expected_file = f"{pb_id}.yaml" if pb_id else None
    if expected_file and Path(file).name != expected_file and not file.startswith("<"):
        c.add("id", f"file must be named {expected_file}")
    prefix = f"{pb_id or '?'}."

    title = c.text(root.get("title"), "title")
    summary = c.text(root.get("summary"), "summary")
    sources = _sources(c, root.get("sources"))
    personal_data = root.get("personal_data")
    if personal_data not in PERSONAL_DATA_LEVELS:
        c.add("personal_data", f"must be one of {list(PERSONAL_DATA_LEVELS)}")
    recognise = tuple(
        t
        for i, item in enumerate(c.items(root.get("recognise"), "recognise"))
        if (t := c.text(item, f"recognise[{i}]")) is not None
    )
    keywords_ja, keywords_en = _keywords(c, root.get("keywords"))

    steps = c.mapping(root.get("steps"), "steps") or {}
    for key in sorted(set(steps) - set(ROLES)):
        c.add(f"steps.{key}", "unknown role (user, home, admin)")
    user_steps = _steps(c, steps.get("user"), "steps.user", f"{prefix}user.", seen, True)
    home_steps = _steps(c, steps.get("home"), "steps.home", f"{prefix}home.", seen, False)
    admin = c.mapping(steps.get("admin"), "steps.admin") or {}
    for key in sorted(set(admin) - set(ADMIN_PHASES)):
        c.add(f"steps.admin.{key}", f"unknown phase (one of {list(ADMIN_PHASES)})")
    phases = {
        phase: _steps(c, admin.get(phase), f"steps.admin.{phase}", f"{prefix}admin.", seen, True)
        for phase in ADMIN_PHASES
    }

    known_contacts = set(contact_ids)
    contacts: list[str] = []
    for i, item in enumerate(c.items(root.get("contacts"), "contacts")):
        contact = c.string(item, f"contacts[{i}]")
        if contact is None:
            continue
        if contact not in known_contacts:
            c.add(f"contacts[{i}]", f"{contact!r} is not an id in contacts.yaml")
        elif contact in contacts:
            c.add(f"contacts[{i}]", f"{contact!r} is listed twice")
        else:
            contacts.append(contact)

    legal = _legal(c, root.get("legal"), f"{prefix}legal.", seen)
    prevention = _prevention(c, root.get("prevention"), f"{prefix}prevent.", seen)
    references = _references(c, root.get("references"))

    if c.problems or pb_id is None or title is None or summary is None:
        return None, c.problems
    playbook = Playbook(
        id=pb_id,
        title=title,
        summary=summary,
        sources=sources,
        personal_data=str(personal_data),
        recognise=recognise,
        keywords_ja=keywords_ja,
        keywords_en=keywords_en,
        user_steps=user_steps,
        home_steps=home_steps,
        admin_steps=AdminSteps(**phases),
        contacts=tuple(contacts),
        legal=legal,
        prevention=prevention,
        references=references,
    )
    return playbook, c.problems


_CONTACT_KEYS = frozenset(
    {
        "id",
        "kind",
        "name",
        "description",
        "url",
        "phone",
        "email",
        "hours",
        "source_url",
        "checked_on",
    }
)
_DATE = re.compile(r"^20\d\d-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")
_PHONE = re.compile(r"^(?:#\d{4}|\d{3}|\d{2,4}-\d{2,4}-\d{3,4}|0\d{2,3}-\d{2,3}-\d{3,4})$")
_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")


def validate_contacts(
    data: object, *, file: str = "contacts.yaml"
) -> tuple[dict[str, Contact], list[Problem]]:
    """Check contacts.yaml: ids unique, both languages, public ones have a way to reach them."""
    c = _Checker(file)
    root = c.mapping(data, "")
    contacts: dict[str, Contact] = {}
    if root is None:
        return contacts, c.problems
    for i, item in enumerate(c.items(root.get("contacts"), "contacts")):
        path = f"contacts[{i}]"
        entry = c.mapping(item, path)
        if entry is None:
            continue
        for key in sorted(set(entry) - _CONTACT_KEYS):
            c.add(f"{path}.{key}", "unknown key")
        contact_id = c.string(entry.get("id"), f"{path}.id")
        if contact_id is not None and not ID_PATTERN.match(contact_id):
            c.add(f"{path}.id", f"{contact_id!r} must be lower-case letters, digits, '-' or '_'")
        if contact_id in contacts:
            c.add(f"{path}.id", f"duplicate id {contact_id!r}")
        kind = entry.get("kind")
        if kind not in CONTACT_KINDS:
            c.add(f"{path}.kind", f"must be one of {list(CONTACT_KINDS)}")
        name = c.text(entry.get("name"), f"{path}.name")
        description = c.text(entry.get("description"), f"{path}.description")
        hours = c.text(entry["hours"], f"{path}.hours") if "hours" in entry else None
        url = c.string(entry["url"], f"{path}.url") if "url" in entry else None
        source_url = (
            c.string(entry["source_url"], f"{path}.source_url") if "source_url" in entry else None
        )
        for key, value in (("url", url), ("source_url", source_url)):
            if value is not None and not value.startswith("https://"):
                c.add(f"{path}.{key}", "must be an https:// address")
        phone = c.string(str(entry["phone"]), f"{path}.phone") if "phone" in entry else None
        if phone is not None and not _PHONE.match(phone):
            c.add(f"{path}.phone", f"{phone!r} does not look like a Japanese phone number")
        email = c.string(entry["email"], f"{path}.email") if "email" in entry else None
        if email is not None and not _EMAIL.match(email):
            c.add(f"{path}.email", f"{email!r} does not look like an e-mail address")
        checked_on = str(entry["checked_on"]) if "checked_on" in entry else None
        if kind == "public" and checked_on is None:
            c.add(path, "a public contact needs checked_on (YYYY-MM-DD, when it was last checked)")
        if checked_on is not None and not _DATE.match(checked_on):
            c.add(f"{path}.checked_on", f"{checked_on!r} must be a date YYYY-MM-DD")
        if kind == "public" and not (url or phone or email):
            c.add(path, "a public contact needs a url, phone or email")
        if kind == "public" and (url or phone or email) and not source_url and not url:
            c.add(path, "a public contact needs source_url (where the address is documented)")
        if contact_id and name and description and kind in CONTACT_KINDS:
            contacts[contact_id] = Contact(
                id=contact_id,
                kind=str(kind),
                name=name,
                description=description,
                url=url,
                phone=phone,
                email=email,
                hours=hours,
                source_url=source_url or url,
                checked_on=checked_on,
            )
    return contacts, c.problems


def _load(directory: Path) -> tuple[Catalog, list[Problem]]:
    problems: list[Problem] = []
    contacts_data, error = read_yaml_file(directory / "contacts.yaml")
    if error:
        problems.append(Problem("contacts.yaml", "", error))
        contacts: dict[str, Contact] = {}
    else:
        contacts, found = validate_contacts(contacts_data)
        problems.extend(found)

    files = sorted(p for p in directory.glob("*.yaml") if p.name not in RESERVED_FILES)
    if len(files) > MAX_PLAYBOOK_FILES:
        problems.append(
            Problem(str(directory), "", f"more than {MAX_PLAYBOOK_FILES} playbook files")
        )
        files = files[:MAX_PLAYBOOK_FILES]
    seen: dict[str, str] = {}
    playbooks: list[Playbook] = []
    for path in files:
        data, error = read_yaml_file(path)
        if error:
            problems.append(Problem(path.name, "", error))
            continue
        playbook, found = validate_playbook(
            data, file=path.name, contact_ids=contacts, seen_ids=seen
        )
        problems.extend(found)
        if playbook is not None:
            playbooks.append(playbook)
    if not files:
        problems.append(Problem(str(directory), "", "no playbook files found"))
    by_id = {pb.id: pb for pb in playbooks}
    return Catalog(playbooks=tuple(playbooks), contacts=contacts, by_id=by_id), problems


def validate_content(directory: Path | None = None) -> list[Problem]:
    """Every problem in the playbook folder (empty list: the content is valid)."""
    return _load(directory or CONTENT_DIR)[1]


def missing_case_titles(catalog: Catalog, titles: Iterable[str] = MIC_CASE_TITLES) -> list[str]:
    """The MIC case titles that no playbook cites."""
    return [t for t in titles if not catalog.for_case(t)]


def load_catalog(directory: Path | None = None) -> Catalog:
    """The validated playbooks and contacts; raises PlaybookContentError if anything is wrong."""
    if directory is None:
        return _shipped_catalog()
    catalog, problems = _load(directory)
    if problems:
        raise PlaybookContentError(problems)
    return catalog


@lru_cache(maxsize=1)
def _shipped_catalog() -> Catalog:
    catalog, problems = _load(CONTENT_DIR)
    if problems:
        raise PlaybookContentError(problems)
    return catalog
