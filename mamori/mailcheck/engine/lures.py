"""Lures in many languages, disguised words, and the weak hints that only count together.

Lures come by category from `lure_phrases.yaml` (a data file); a phrase that follows a negation
("we will never ask for your password") does not count. Disguise is checked on the subject, the
display name and the text: Latin words containing Cyrillic or Greek letters ("Amаzon" with a
Cyrillic "а"), and zero-width characters or soft hyphens inside words. Japanese text (Han,
Hiragana, Katakana and Latin together) is never a mixed-script word.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import unquote

from .catalog import _load, free_hosting, free_mail
from .domains import _ascii_prototypes, registrable
from .environment import Cues, Environment
from .links import URL_IN_TEXT
from .parse import ParsedMail
from .signals import Collector

SCAN_CHARS = 20_000  # lures and disguise sit near the top; long threads need not be read whole
# Letters of these scripts inside a Latin word are the classic disguise.
DISGUISE_SCRIPTS = ("CYRILLIC", "GREEK", "ARMENIAN", "CHEROKEE")
INVISIBLE = "\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
WORD = re.compile(rf"[^\W\d_](?:[^\W\d_]|[{INVISIBLE}])*[^\W\d_]")
DOMAIN_IN_PATH = re.compile(
    r"(?:^|[/=.@])((?:[a-z0-9-]+\.)+(?:com|net|org|jp|co\.jp|ne\.jp))(?=[/?#&]|$)"
)
HAS_ASCII_LETTER = re.compile(r"[A-Za-z]")
HIDDEN_IN_WORD = re.compile(rf"[a-z][{INVISIBLE}]+[a-z]", re.IGNORECASE)
ROLE_WORDS = re.compile(
    r"support|security|service|team|admin|helpdesk|help desk|billing|account|bank|customer|"
    r"notification|webmail|mail ?(center|centre|admin)|it[- ]?(department|service|desk)|"
    r"sicherheit|kundenservice|servicio|atendimento|サポート|カスタマー|事務局|センター|運営",
    re.IGNORECASE,
)
# The lure categories that the older content checks already report under their own ids.
COVERED = {
    "account_hold": "content.account_lure",
    "credential": "content.credential_request",
    "urgency": "content.urgency",
}


@dataclass(frozen=True)
class LureCategory:
    name: str
    weight: str
    label_ja: str
    label_en: str
    # Each phrase with a quick test of the literal words one of which it cannot match without
    # (one big alternation is ten times slower than this).
    phrases: tuple[tuple[Needles | None, re.Pattern[str]], ...]
    needles: Needles | None = None  # all the phrases' needles together (None: some have none)


REGEX_META = set("\\.^$*+?{}[]|()")
ASCII_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Needles:
    """Literal words one of which a phrase cannot match without: ASCII ones are looked up among
    the text's word prefixes (one set per text), others as substrings."""

    words: frozenset[str]
    substrings: tuple[str, ...]


def _literal_variants(option: str) -> list[str]:
    """The leading literal run of a regex option, with single optional characters both ways
    ("e-?mails?" → e-mails, e-mail, emails, email); [] when it has none worth testing."""
    variants = [""]
    i = 0
    while i < len(option):
        ch = option[i]
        if ch in REGEX_META or ch == " ":
            break
        if i + 1 < len(option) and option[i + 1] == "?":
            variants = [v + ch for v in variants] + variants
            i += 2
            continue
        variants = [v + ch for v in variants]
        i += 1
    out = [v for v in dict.fromkeys(variants) if len(v) >= 2]
    return out if len(out) == len(set(variants)) else []


def _needles(phrase: str) -> Needles | None:
    """Literal words one of which must occur for the phrase to match; None when unknown."""
    rest = phrase[2:] if phrase.startswith("\\b") else phrase
    if rest.startswith("("):
        depth, end = 0, -1
        for i, ch in enumerate(rest):
            depth += ch == "("
            depth -= ch == ")"
            if depth == 0:
                end = i
                break
        if end <= 0 or rest[end + 1 : end + 2] in {"?", "*"}:
            return None
        options = [o for o in rest[1:end].split("|")]
        if any("(" in o for o in options):
            return None
    else:
        options = [rest]
    literals: list[str] = []
    for option in options:
        found = _literal_variants(option)
        if not found:
            return None
        literals.extend(found)
    words = frozenset(w for w in literals if ASCII_WORD.fullmatch(w))
    subs = tuple(w for w in literals if w not in words)
    return Needles(words, subs)


@functools.lru_cache(maxsize=8)
def _word_prefixes(text: str, lengths: tuple[int, ...]) -> frozenset[str]:
    words = set(ASCII_WORD.findall(text))
    return frozenset(w[:n] for w in words for n in lengths if len(w) >= n) | words


def _may_match(needles: Needles | None, text: str) -> bool:
    if needles is None:
        return True
    if needles.words and not needles.words.isdisjoint(_word_prefixes(text, _needle_lengths())):
        return True
    return any(sub in text for sub in needles.substrings)


def _union(phrases: tuple[tuple[Needles | None, re.Pattern[str]], ...]) -> Needles | None:
    if any(needles is None for needles, _pattern in phrases):
        return None
    words: set[str] = set()
    subs: list[str] = []
    for needles, _pattern in phrases:
        assert needles is not None
        words |= needles.words
        subs.extend(needles.substrings)
    return Needles(frozenset(words), tuple(dict.fromkeys(subs)))


def _phrase_matches(cat: LureCategory, text: str) -> Iterator[re.Match[str]]:
    if not _may_match(cat.needles, text):
        return
    for needles, pattern in cat.phrases:
        if _may_match(needles, text):
            yield from pattern.finditer(text)


_ALL_NEEDLE_LENGTHS: set[int] = set()


@functools.cache
def _needle_lengths() -> tuple[int, ...]:
    lure_categories()
    _phrases_of_content()
    return tuple(sorted(_ALL_NEEDLE_LENGTHS))


def compile_phrases(
    phrases: list[str], flags: int = re.MULTILINE
) -> tuple[tuple[Needles | None, re.Pattern[str]], ...]:
    """Each phrase with the literal words it needs (None: always try it)."""
    out = []
    for phrase in phrases:
        needles = _needles(phrase)
        if needles is not None:
            _ALL_NEEDLE_LENGTHS.update(len(w) for w in needles.words)
        out.append((needles, re.compile(phrase, flags)))
    return tuple(out)


@functools.cache
def _phrases_of_content() -> dict[str, tuple[tuple[Needles | None, re.Pattern[str]], ...]]:
    """The older content checks' phrases (lures.yaml), compiled the same way."""
    return {category: compile_phrases(list(p)) for category, p in _load("lures.yaml").items()}


def first_match(
    phrases: tuple[tuple[Needles | None, re.Pattern[str]], ...],
    text: str,
    skip_negated: bool = True,
) -> re.Match[str] | None:
    """The earliest phrase match in the text that no negation cancels."""
    _cats, neg_before, neg_after = lure_categories()
    best: re.Match[str] | None = None
    for needles, pattern in phrases:
        if not _may_match(needles, text):
            continue
        for match in pattern.finditer(text):
            if skip_negated and (
                neg_before.search(text[max(0, match.start() - 40) : match.start()])
                or neg_after.search(text[match.end() : match.end() + 30])
            ):
                continue
            if best is None or match.start() < best.start():
                best = match
            break
    return best


@functools.cache
def lure_categories() -> tuple[tuple[LureCategory, ...], re.Pattern[str], re.Pattern[str]]:
    data = _load("lure_phrases.yaml")
    cats = tuple(
        LureCategory(
            name=name,
            weight=str(entry.get("weight", "low")),
            label_ja=str(entry["label"]["ja"]),
            label_en=str(entry["label"]["en"]),
            phrases=(phrases := compile_phrases(entry["phrases"])),
            needles=_union(phrases),
        )
        for name, entry in data["categories"].items()
    )
    return cats, re.compile(data["negation_before"]), re.compile(data["negation_after"])


@functools.cache
def greeting_pattern() -> re.Pattern[str]:
    phrases = _load("lure_phrases.yaml")["generic_greeting"]
    return re.compile("|".join(f"(?:{p})" for p in phrases), re.MULTILINE)


def _snippet(text: str, start: int, end: int) -> str:
    left = max(0, start - 15)
    return " ".join(text[left : end + 15].split())[:160]


def find_lures(text: str) -> list[tuple[LureCategory, str]]:
    """(category, snippet) for each category with a phrase not cancelled by a negation."""
    cats, neg_before, neg_after = lure_categories()
    found: list[tuple[LureCategory, str]] = []
    for cat in cats:
        for match in _phrase_matches(cat, text):
            before = text[max(0, match.start() - 40) : match.start()]
            after = text[match.end() : match.end() + 30]
            if neg_before.search(before) or neg_after.search(after):
                continue
            found.append((cat, _snippet(text, match.start(), match.end())))
            break
    return found


def _script(ch: str) -> str:
    name = unicodedata.name(ch, "")
    return name.split(" ", 1)[0]


# Letters of real alphabets (Turkish, Nordic, Polish, ...) that are not disguise.
ORDINARY_LATIN = frozenset("ıßøæœðþłđħŋĸſǝə")


def _rare_latin(ch: str) -> bool:
    """A Latin letter with no accent decomposition that is not part of a living alphabet."""
    low = ch.lower()
    return low not in ORDINARY_LATIN and not unicodedata.decomposition(low) and ord(low) >= 0x180


def disguised_words(text: str, cap: int = 5) -> list[str]:
    """Latin words with Cyrillic/Greek letters inside (not whole foreign words)."""
    out: list[str] = []
    prototypes = _ascii_prototypes()
    if text.isascii():
        return out
    for match in WORD.finditer(text):
        word = match.group(0)
        if word.isascii() or not HAS_ASCII_LETTER.search(word):
            continue
        latin = other = 0
        for ch in word:
            if ch.isascii():
                latin += ch.isalpha()
                continue
            script = _script(ch)
            if script == "LATIN":
                if ch.lower() in prototypes and _rare_latin(ch):
                    other += 1  # "ɑ", "ɵ": phonetic letters passing for a, o
                else:
                    latin += 1
            elif script in DISGUISE_SCRIPTS:
                if ch.lower() not in prototypes:
                    break  # a letter with no Latin look-alike: a real foreign word
                other += 1
        else:
            other = other if latin >= 2 else 0
        if latin and other:
            out.append(word)
            if len(out) >= cap:
                break
    return out


def check_lures(
    mail: ParsedMail,
    text: str,
    env: Environment,
    out: Collector,
    untrusted_links: list[str],
    cues: Cues | None = None,
) -> set[str]:
    """Lure categories and weak hints; returns the names of the lure categories found."""
    found: set[str] = set()
    for cat, snippet in find_lures(text):
        found.add(cat.name)
        covered = COVERED.get(cat.name)
        if covered and out.has(covered):
            continue
        if mail.is_list and cat.weight == "low":
            continue  # list traffic talks about invoices and shared files all day
        out.add("content.lure", f"{cat.label_ja} / {cat.label_en}: {snippet}", cat.weight)
    strong = found - {"urgency", "invoice", "parcel", "shared_document"}
    if found and greeting_pattern().search(text[:2000]):
        out.add("content.generic_greeting", greeting_pattern().search(text[:2000]).group(0)[:80])
    subject = unicodedata.normalize("NFKC", mail.subject).lower()
    _check_recipient_named(mail, subject, out)
    alts = " ".join(d.alt_text for d in mail.html if d.alt_text)
    claimed = env.brands_named_in(f"{mail.subject}\n{alts}" if alts else mail.subject, cues)
    sender_brand = env.brand_of_domain.get(registrable(mail.sender.domain))
    if (
        claimed
        and not mail.is_list
        and sender_brand not in claimed
        and registrable(mail.sender.domain) not in env.trusted
    ):
        names = "/".join(b.names[0] for b in claimed[:2])
        out.add("content.brand_claim", f"{mail.subject[:100]} ({names} ≠ {mail.sender.domain})")
    if strong and untrusted_links and not out.has("content.lure_with_link"):
        claimed = claimed or env.brands_named_in(mail.sender.display, cues)
        if claimed and sender_brand not in claimed:
            names = "/".join(b.names[0] for b in claimed[:2])
            out.add(
                "content.lure_with_link", f"{names}: {sorted(strong)[0]} → {untrusted_links[0]}"
            )
    return found


MAIL_WORDS = re.compile(
    r"account|mailbox|e-?mail|password|verif|update|upgrade|security|pending|message|"
    r"notification|deactivat|suspen|storage|quota|server|files?\b|document|invoice|payment|"
    r"alert|warning|notice|confirm|アカウント|メール|パスワード|確認|更新"
)


def _word_in(word: str, text: str) -> bool:
    """The word stands alone in the text (not inside "[list-name]" or another word)."""
    start = text.find(word)
    while start >= 0:
        before = text[start - 1] if start else " "
        end = start + len(word)
        after = text[end] if end < len(text) else " "
        if not (before.isalnum() or before in "[.-_") and not (after.isalnum() or after == "_"):
            return True
        start = text.find(word, start + 1)
    return False


def _check_recipient_named(mail: ParsedMail, subject: str, out: Collector) -> None:
    """The reader's address or domain in the subject: how bulk lures pose as personal."""
    if mail.is_list:
        return
    for rcpt in mail.recipients[:10]:
        local, _, host = rcpt.partition("@")
        domain = registrable(host) if host else ""
        named = rcpt in subject or (len(local) >= 5 and _word_in(local, subject))
        named = named or (len(domain) >= 6 and domain in subject)
        if named:
            severity = "medium" if MAIL_WORDS.search(subject) else "low"
            out.add("content.recipient_named", mail.subject[:120], severity)
            return


def check_disguise(mail: ParsedMail, raw_text: str, out: Collector) -> None:
    heads = f"{mail.subject}\n{mail.sender.display}"
    words = disguised_words(heads)
    body_words = disguised_words(raw_text[:SCAN_CHARS])
    if words or len(body_words) >= 2:
        out.add("content.mixed_script_word", ", ".join((words + body_words)[:5]))
    elif body_words:
        out.add("content.mixed_script_word", ", ".join(body_words), "medium")
    hidden = HIDDEN_IN_WORD.findall(heads) + HIDDEN_IN_WORD.findall(raw_text[:SCAN_CHARS])
    if hidden:
        shown = ", ".join(h.encode("unicode_escape").decode("ascii") for h in hidden[:3])
        severity = "medium" if len(hidden) >= 3 or HIDDEN_IN_WORD.search(heads) else "low"
        out.add("content.hidden_characters", shown, severity)


def check_infrastructure(
    mail: ParsedMail, env: Environment, out: Collector, hrefs: list[str], cues: Cues | None = None
) -> None:
    # A picture of a letter with one link: nothing for a filter to read.
    images = sum(d.images for d in mail.html)
    visible = sum(len(d.text.split()) for d in mail.html) + sum(len(t.split()) for t in mail.text)
    links = sum(len(d.links) for d in mail.html)
    if mail.html and images and 1 <= links <= 2 and visible <= 12 and not mail.attachments:
        out.add("content.image_only", f"{images} image(s), {links} link(s), {visible} words")
    domain = registrable(mail.sender.domain) if mail.sender.domain else ""
    display = mail.sender.display
    throwaway = mail.sender.domain.endswith(".onmicrosoft.com")
    if domain and (domain in free_mail() or throwaway) and display:
        brands = env.brands_named_in(display, cues)
        if brands or ROLE_WORDS.search(display):
            out.add("sender.free_mail_organisation", f'"{display}" <{mail.sender.address}>')
    hosts_seen: set[str] = set()
    recipients = [r for r in mail.recipients[:5] if len(r) >= 6]
    for href in hrefs[:100]:
        match = re.match(r"(?i)https?://([^/?#:@\s]+)", href)
        if match is None:
            continue
        host = match.group(1).lower()
        if host in hosts_seen:
            continue
        hosts_seen.add(host)
        reg = registrable(host)
        if reg in free_hosting() or host in free_hosting():
            out.add("link.free_hosting", href[:200])
        # A brand's domain written into the path of someone else's link:
        # http://example.com.np/www.americanexpress.com/login
        if reg not in env.brand_of_domain and not env.is_known(reg):
            rest = href[match.end() : match.end() + 300].lower()
            for found in DOMAIN_IN_PATH.finditer(rest):
                brand = env.brand_of_domain.get(registrable(found.group(1)))
                if brand is not None:
                    out.add("link.brand_in_path", f"{href[:200]} ({brand.names[0]})")
                    break
        decoded = unquote(href).lower()
        if any(r in decoded for r in recipients):
            out.add("link.recipient_in_url", href[:200])


def text_hrefs(mail: ParsedMail) -> list[str]:
    hrefs = [link.href for digest in mail.html for link in digest.links]
    for text in mail.text:
        hrefs.extend(m.group(0) for m in URL_IN_TEXT.finditer(text[:200_000]))
        if len(hrefs) > 300:
            break
    return hrefs
