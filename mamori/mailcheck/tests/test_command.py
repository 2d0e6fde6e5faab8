"""`mamori check-mail`: files, directories, mbox, Maildir, .msg; table, JSON; exit status."""

from __future__ import annotations

import json
import mailbox
import subprocess
import sys
from pathlib import Path

import pytest

from mamori.mailcheck.command import main

from .builders import msg_bytes
from .labelled import (
    bec_payee_change_eucjp,
    business_mail_iso2022_pdf,
    gift_card_request,
    phishing_amazon_html_only,
    ppap_password_mail,
    ppap_zip_mail,
)


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_safe_file_exits_zero_with_japanese_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path / "ok.eml", business_mail_iso2022_pdf())
    assert main([str(path)]) == 0
    out = capsys.readouterr().out
    assert "安全そう" in out and "打ち合わせ資料の送付" in out


def test_caution_and_danger_exit_codes(tmp_path: Path) -> None:
    assert main([str(_write(tmp_path / "gift.eml", gift_card_request()))]) == 1
    assert main([str(_write(tmp_path / "phish.eml", phishing_amazon_html_only()))]) == 2


def test_english_table_names_the_reason(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "phish.eml", phishing_amazon_html_only())
    assert main(["--lang", "en", str(path)]) == 2
    out = capsys.readouterr().out
    assert "Danger" in out and "Link goes elsewhere than shown" in out


def test_json_lines_and_worst_verdict_over_a_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(tmp_path / "a.eml", business_mail_iso2022_pdf())
    sub = tmp_path / "sub"
    sub.mkdir()
    _write(sub / "b.eml", phishing_amazon_html_only())
    assert main(["--json", str(tmp_path)]) == 2
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert sorted(item["verdict"] for item in lines) == ["danger", "safe"]
    assert all(item["source"].endswith(".eml") for item in lines)


def test_mbox_and_ppap_pairing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    box = mailbox.mbox(str(tmp_path / "inbox.mbox"))
    for raw in (ppap_zip_mail(), ppap_password_mail()):
        box.add(raw)
    box.flush()
    box.close()
    assert main(["--json", str(tmp_path / "inbox.mbox")]) == 1
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len([x for x in lines if "verdict" in x]) == 2
    pairs = [x["ppap_pair"] for x in lines if "ppap_pair" in x]
    assert len(pairs) == 1 and pairs[0]["gap_seconds"] == 180
    assert pairs[0]["sender"] == "hanako@supplier.example.co.jp"


def test_maildir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    box = mailbox.Maildir(str(tmp_path / "Maildir"), create=True)
    box.add(business_mail_iso2022_pdf())
    box.add(gift_card_request())
    box.close()
    assert main([str(tmp_path / "Maildir")]) == 1
    assert "2 通を検査" in capsys.readouterr().out


def test_outlook_msg_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = msg_bytes(
        subject="【重要】お支払い方法の更新",
        sender_name="楽天カード",
        sender_address="info@rakuten-card-update.example.com",
        body="お支払い情報の更新が必要です。",
        html='<a href="https://rakuten-card-update.example.com/login">https://www.rakuten-card.co.jp/</a>',
    )
    path = _write(tmp_path / "mail.msg", data)
    assert main(["--json", str(path)]) == 2
    item = json.loads(capsys.readouterr().out.splitlines()[0])
    assert item["subject"] == "【重要】お支払い方法の更新"
    assert item["facts"]["format"] == "msg"
    assert {"sender.brand_name_mismatch", "link.text_mismatch"} <= {
        s["id"] for s in item["signals"]
    }


def test_trusted_domains_and_contacts_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path / "bec.eml", bec_payee_change_eucjp())
    contacts = tmp_path / "contacts.csv"
    contacts.write_text("name,address\n山田 太郎,yamada@partner-trading.co.jp\n", encoding="utf-8")
    assert (
        main(
            [
                "--json",
                "--trusted-domains",
                "partner-trading.co.jp",
                "--contacts",
                str(contacts),
                str(path),
            ]
        )
        == 2
    )
    ids = {s["id"] for s in json.loads(capsys.readouterr().out)["signals"]}
    assert {"sender.lookalike", "sender.contact_impersonation", "content.payee_change"} <= ids


def test_usage_and_unreadable_input_exit_three(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([]) == 3
    assert main(["--lang", "fr", str(tmp_path)]) == 3
    assert main([str(tmp_path / "missing.eml")]) == 3
    assert main(["--contacts", str(tmp_path / "none.csv"), str(tmp_path)]) == 3
    assert main([str(tmp_path)]) == 3  # an empty directory holds no mail
    assert main(["--help"]) == 0


def test_garbage_file_is_checked_not_crashed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path / "junk.eml", b"\x00\xff" * 500)
    code = main(["--json", str(path)])
    item = json.loads(capsys.readouterr().out)
    assert code == 1 and item["verdict"] == "caution"
    assert "message.unparseable" in {s["id"] for s in item["signals"]}


def test_runs_without_django(tmp_path: Path) -> None:
    path = _write(tmp_path / "ok.eml", business_mail_iso2022_pdf())
    code = (
        "import sys; from mamori.mailcheck.command import main; rc = main(sys.argv[1:]); "
        "assert 'django' not in sys.modules, 'django imported'; sys.exit(rc)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(path)],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin"},
    )
    assert result.returncode == 0, result.stderr
    assert "安全そう" in result.stdout


def test_mail_from_stdin(tmp_path: Path) -> None:
    code = "import sys; from mamori.mailcheck.command import main; sys.exit(main(['--json', '-']))"
    result = subprocess.run(
        [sys.executable, "-c", code], input=phishing_amazon_html_only(), capture_output=True
    )
    assert result.returncode == 2, result.stderr
    assert json.loads(result.stdout)["source"] == "stdin"
    empty = subprocess.run([sys.executable, "-c", code], input=b"", capture_output=True)
    assert empty.returncode == 3
