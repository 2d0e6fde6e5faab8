"""Suspicious-mail analysis speed (mamori.mailcheck.engine.analyse) against a bare stdlib parse.

Generates a realistic mix of mails (default 2,000; 30% with attachments: PDFs, images, Office
files, zips, password zips, macro documents; the rest Japanese and English text and HTML mails in
UTF-8, ISO-2022-JP, Shift_JIS and EUC-JP, base64 or quoted-printable, some phishing-like).

Baseline, measured in the same run on the same bytes: `email.message_from_bytes` and walking
every part, decoding each leaf's payload (`get_payload(decode=True)`) — the least work that
looks at every part. A second figure without the payload decoding is printed too. The machine is
shared, so each mail goes through both back to back, in three rounds, and the fastest time per
mail and method counts; the slowest single analysis seen in any round is reported as the max.
Target (issue 12): analysis no more than 2x the baseline; no single mail over 1 s; memory bounded with a
25 MB attachment (growth of the peak resident memory while analysing one such mail, in a
fresh process, beside the same figure for the baseline parse).

    .venv/bin/python bench/bench_mailcheck.py [--quick]

The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import email
import gc
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mamori.mailcheck.engine import analyse  # noqa: E402
from mamori.mailcheck.engine.domains import mixed_script_label, normalise_host, registrable  # noqa: E402
from mamori.mailcheck.tests.builders import build_mail, ooxml_bytes, zip_bytes  # noqa: E402

JA_LINES = [
    "いつもお世話になっております。",
    "来週の打ち合わせの件でご連絡いたしました。",
    "資料を添付いたしますので、ご確認のほどよろしくお願いいたします。",
    "ご不明な点がございましたら、お気軽にお問い合わせください。",
    "今月の請求書をお送りします。お支払いは従来どおりの口座へお願いします。",
    "新製品のご案内です。詳しくは下記のページをご覧ください。",
]
EN_LINES = [
    "Hi team, please find the minutes of our call below.",
    "Let me know if you have any questions about the proposal.",
    "Our newsletter this month covers the new release and upcoming events.",
    "Thanks for your order; it will ship within two business days.",
]
LURES = [
    "お客様のアカウントが一時停止されました。至急本人確認をお願いします。",
    "振込先口座が変更になりました。新しい口座へお振込みください。",
    "Your account has been suspended. Verify your identity within 24 hours.",
]
CHARSETS = [
    ("utf-8", "base64"),
    ("iso-2022-jp", "7bit"),
    ("shift_jis", "quoted-printable"),
    ("euc-jp", "base64"),
    ("utf-8", "quoted-printable"),
]
SENDERS = [
    ("山田 太郎", "yamada@partner-trading.co.jp"),
    ("ショップニュース", "news@shop-news.example.co.jp"),
    ("Anna Becker", "anna@partner.example.com"),
    ("Amazon.co.jp", "no-reply@account-verify.top"),
    ("三井住友カード", "info@smbc-card-security.xyz"),
    ("経理部", "keiri@supplier.example.co.jp"),
]


def _html(rng: random.Random, lines: list[str]) -> str:
    links = "".join(
        f'<p><a href="https://click.mailer.example.net/c/{rng.randrange(10**9)}">{rng.choice(lines)}</a></p>'
        for _ in range(rng.randrange(3, 25))
    )
    return f"<html><body><h1>{rng.choice(lines)}</h1>{''.join(f'<p>{line}</p>' for line in lines)}{links}</body></html>"


def _attachment(rng: random.Random) -> tuple[str, bytes, str]:
    kind = rng.choice(["pdf", "pdf", "jpg", "docx", "xlsx", "zip", "ppap", "docm", "exe_zip"])
    if kind == "pdf":
        return (
            "資料.pdf",
            b"%PDF-1.7\n" + rng.randbytes(rng.randrange(20_000, 400_000)),
            "application/pdf",
        )
    if kind == "jpg":
        return (
            "photo.jpg",
            b"\xff\xd8\xff\xe0" + rng.randbytes(rng.randrange(50_000, 800_000)),
            "image/jpeg",
        )
    if kind == "docx":
        return (
            "議事録.docx",
            ooxml_bytes("docx", text="議事録 " * rng.randrange(100, 3000)),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )
    if kind == "xlsx":
        return (
            "見積書.xlsx",
            ooxml_bytes("xlsx", text="見積 " * rng.randrange(100, 3000)),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    if kind == "zip":
        members = {
            f"doc{i}.pdf": rng.randbytes(rng.randrange(5_000, 60_000))
            for i in range(rng.randrange(1, 6))
        }
        return "files.zip", zip_bytes(members), "application/zip"
    if kind == "ppap":
        return (
            "見積書.zip",
            zip_bytes({"見積書.xlsx": rng.randbytes(30_000)}, password=b"Secr3t!", aes=True),
            "application/zip",
        )
    if kind == "docm":
        return (
            "契約書.docm",
            ooxml_bytes("docm", vba=True, text="コンテンツの有効化"),
            "application/vnd.ms-word.document.macroEnabled.12",
        )
    return (
        "invoice.zip",
        zip_bytes({"invoice.pdf.exe": b"MZ" + rng.randbytes(20_000)}),
        "application/zip",
    )


def generate(count: int, seed: int = 20251110) -> list[bytes]:
    rng = random.Random(seed)
    mails: list[bytes] = []
    for index in range(count):
        japanese = rng.random() < 0.7
        lines = rng.sample(JA_LINES if japanese else EN_LINES, k=3)
        if rng.random() < 0.15:
            lines.append(rng.choice(LURES))
        text = "\n".join(lines * rng.randrange(1, 20))
        charset, cte = (
            rng.choice(CHARSETS)
            if japanese
            else ("utf-8", rng.choice(["base64", "quoted-printable"]))
        )
        html = _html(rng, lines) if rng.random() < 0.4 else None
        attachments = (
            [_attachment(rng) for _ in range(rng.randrange(1, 3))] if rng.random() < 0.3 else None
        )
        mails.append(
            build_mail(
                sender=rng.choice(SENDERS),
                subject=f"{rng.choice(lines)[:30]} #{index}",
                text=text,
                html=html,
                charset=charset,
                cte=cte,
                attachments=attachments,
            )
        )
    return mails


def bare_parse(raw: bytes, decode: bool = True) -> int:
    msg = email.message_from_bytes(raw)
    total = 0
    for part in msg.walk():
        if not part.is_multipart() and decode:
            payload = part.get_payload(decode=True)
            total += len(payload or b"")
    return total


def big_attachment_mail(size: int) -> bytes:
    rng = random.Random(1)
    return build_mail(
        sender=("山田 太郎", "yamada@partner-trading.co.jp"),
        subject="大きな資料",
        text="大きな資料を送ります。",
        attachments=[("big.pdf", b"%PDF-1.7\n" + rng.randbytes(size), "application/pdf")],
    )


def memory_child(size: int, which: str) -> None:
    """Run in a fresh process: resident-memory growth and time for one big mail."""
    raw = big_attachment_mail(size)
    analyse(big_attachment_mail(1000)) if which == "analyse" else bare_parse(
        big_attachment_mail(1000)
    )
    gc.collect()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    times = []
    for _ in range(3):  # fastest of three: the machine is shared
        start = time.perf_counter()
        if which == "analyse":
            analyse(raw)
        else:
            bare_parse(raw)
        times.append(time.perf_counter() - start)
        gc.collect()
    seconds = min(times)
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    print(
        json.dumps(
            {
                "mail_mb": round(len(raw) / 1e6, 1),
                "rss_growth_mb": round(grown / 1024, 1),
                "seconds": round(seconds, 3),
            }
        )
    )


def memory_with_big_attachment(size: int) -> dict[str, object]:
    results: dict[str, object] = {"attachment_mb": round(size / 1e6, 1)}
    for which in ("analyse", "baseline"):
        out = subprocess.run(
            [sys.executable, __file__, "--memory-child", str(size), which],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        results[which] = json.loads(out.strip().splitlines()[-1])
    return results


def big_office_file(size: int) -> bytes:
    """A macro-enabled Word file of about `size` bytes: pictures, text and a VBA project.

    The VBA project is XlsxWriter's from the shared corpus when it is present (a stand-in part
    otherwise); the pictures are random bytes, so the file does not compress below `size`.
    """
    from mamori.core.corpus import corpus_dir

    rng = random.Random(10)
    corpus = corpus_dir("office")
    project = b"\xd0\xcf\x11\xe0 stand-in VBA project"
    if corpus is not None and (corpus / "xlsxwriter_vba" / "vbaProject.bin").exists():
        project = (corpus / "xlsxwriter_vba" / "vbaProject.bin").read_bytes()
    text = "".join(f"<w:p><w:r><w:t>{line}</w:t></w:r></w:p>" for line in JA_LINES * 3000)
    members = {
        "[Content_Types].xml": b"<Types/>",
        "word/document.xml": f"<w:document><w:body>{text}</w:body></w:document>".encode(),
        "word/vbaProject.bin": project,
    }
    picture = size // 8
    for index in range(8):
        members[f"word/media/image{index}.png"] = b"\x89PNG" + rng.randbytes(picture)
    return zip_bytes(members)


def office_vs_olevba(size: int) -> dict[str, object]:
    """Our attachment analysis of one big Office file against olevba's own on the same bytes."""
    from oletools.olevba import VBA_Parser

    from mamori.mailcheck.engine.attachments import AttachmentFacts, analyse_attachment
    from mamori.mailcheck.engine.model import Limits
    from mamori.mailcheck.engine.signals import Collector

    data = big_office_file(size)
    mail = build_mail(
        sender=("山田 太郎", "yamada@partner-trading.co.jp"),
        subject="資料",
        text="資料を送ります。",
        attachments=[("資料.docm", data, "application/vnd.ms-word.document.macroEnabled.12")],
    )

    folder = tempfile.mkdtemp(prefix="bench-olevba-")
    path = os.path.join(folder, "資料.docm")
    with open(path, "wb") as handle:
        handle.write(data)

    def olevba() -> None:  # what `olevba file` does: VBA, keywords, VBA stomping, XLM
        parser = VBA_Parser(path)
        if parser.detect_vba_macros():
            parser.analyze_macros()
            parser.detect_vba_stomping()
        parser.detect_xlm_macros()
        parser.close()

    def ours() -> None:
        out = Collector(deadline=time.monotonic() + 60)
        analyse_attachment("資料.docm", data, False, Limits(), out, AttachmentFacts())

    best = {"olevba": float("inf"), "attachment": float("inf"), "mail": float("inf")}
    for _ in range(3):  # fastest of three, back to back: the machine is shared
        for key, run in (("olevba", olevba), ("attachment", ours), ("mail", lambda: analyse(mail))):
            start = time.perf_counter()
            run()
            best[key] = min(best[key], time.perf_counter() - start)
    shutil.rmtree(folder, ignore_errors=True)
    return {
        "file_mb": round(len(data) / 1e6, 1),
        "olevba_seconds": round(best["olevba"], 3),
        "attachment_seconds": round(best["attachment"], 3),
        "whole_mail_seconds": round(best["mail"], 3),
        "ratio_vs_olevba": round(best["attachment"] / best["olevba"], 2),
        "target_ratio": 2.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="300 mails and a 5 MB attachment")
    parser.add_argument("--count", type=int, default=None)
    parser.add_argument(
        "--memory-child", nargs=2, metavar=("SIZE", "WHICH"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.memory_child:
        memory_child(int(args.memory_child[0]), args.memory_child[1])
        return
    count = args.count or (300 if args.quick else 2000)
    mails = generate(count)
    total_bytes = sum(len(m) for m in mails)
    with_attachments = sum(1 for m in mails if b"Content-Disposition: attachment" in m)
    for raw in mails[:30]:
        analyse(raw)  # warm caches and lazy imports (brand index, YAML, oletools)

    # The machine is shared: each mail is parsed by the baseline and analysed back to back, in
    # three rounds, and each mail's fastest time per method is kept. Host caches start empty in
    # every round so that rounds do not read each other's results.
    rounds = 3
    best_base = [float("inf")] * count
    best_nodecode = [float("inf")] * count
    best_ours = [float("inf")] * count
    worst_ours = 0.0  # the slowest single analysis seen in any round
    for _ in range(rounds):
        for cached in (registrable, normalise_host, mixed_script_label):
            cached.cache_clear()
        gc.collect()
        for i, raw in enumerate(mails):
            t0 = time.perf_counter()
            bare_parse(raw)
            t1 = time.perf_counter()
            bare_parse(raw, decode=False)
            t2 = time.perf_counter()
            analyse(raw)
            t3 = time.perf_counter()
            best_base[i] = min(best_base[i], t1 - t0)
            best_nodecode[i] = min(best_nodecode[i], t2 - t1)
            best_ours[i] = min(best_ours[i], t3 - t2)
            worst_ours = max(worst_ours, t3 - t2)
    base_t, nodecode_t, ours_t = sum(best_base), sum(best_nodecode), sum(best_ours)
    each = best_ours
    each_sorted = sorted(each)
    ratio = ours_t / base_t
    mem = memory_with_big_attachment(5_000_000 if args.quick else 25_000_000)
    # Mails with attachments, on their own: the Office/zip analysis is where their time goes.
    heavy = [i for i, m in enumerate(mails) if b"Content-Disposition: attachment" in m]
    heavy_ours = sum(best_ours[i] for i in heavy)
    heavy_base = sum(best_base[i] for i in heavy)
    heavy_max = max((best_ours[i] for i in heavy), default=0.0)
    attachment_heavy = {
        "messages": len(heavy),
        "msgs_per_s": round(len(heavy) / heavy_ours, 1) if heavy_ours else None,
        "ratio": round(heavy_ours / heavy_base, 2) if heavy_base else None,
        "max_mail_seconds": round(heavy_max, 4),
    }
    office = office_vs_olevba(10_000_000)
    figures = {
        "name": "mailcheck_analyse",
        "messages": count,
        "with_attachments": with_attachments,
        "megabytes": round(total_bytes / 1e6, 1),
        "msgs_per_s": round(count / ours_t, 1),
        "mb_per_s": round(total_bytes / 1e6 / ours_t, 2),
        "baseline": "email.message_from_bytes + walk + get_payload(decode=True)",
        "baseline_msgs_per_s": round(count / base_t, 1),
        "baseline_mb_per_s": round(total_bytes / 1e6 / base_t, 2),
        "ratio": round(ratio, 2),
        "ratio_vs_parse_without_decode": round(ours_t / nodecode_t, 2),
        "target_ratio": 2.0,
        "max_mail_seconds": round(worst_ours, 4),
        "p50_mail_seconds": round(each_sorted[len(each) // 2], 5),
        "p99_mail_seconds": round(each_sorted[int(len(each) * 0.99) - 1], 4),
        "big_attachment": mem,
        "attachment_heavy": attachment_heavy,
        "office_10mb": office,
    }
    print(f"mails: {count} ({with_attachments} with attachments), {figures['megabytes']} MB")
    print(f"analyse : {figures['msgs_per_s']} msgs/s, {figures['mb_per_s']} MB/s")
    print(
        f"baseline: {figures['baseline_msgs_per_s']} msgs/s, {figures['baseline_mb_per_s']} MB/s ({figures['baseline']})"
    )
    print(
        f"ratio analyse/baseline: {figures['ratio']} (target <= 2); vs parse without decoding: {figures['ratio_vs_parse_without_decode']}"
    )
    print(
        f"per mail: p50 {figures['p50_mail_seconds']} s, p99 {figures['p99_mail_seconds']} s, max {figures['max_mail_seconds']} s (target < 1 s)"
    )
    print(f"big attachment: {mem}")
    print(f"mails with attachments only: {attachment_heavy}")
    print(f"10 MB Office file vs olevba (target <= 2): {office}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
