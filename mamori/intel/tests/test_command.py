from __future__ import annotations

import json
import subprocess
import sys

from mamori.intel.command import main
from mamori.intel.tests import samples


def write_inputs(tmp_path):
    (tmp_path / "nvd.json").write_bytes(samples.nvd_page([samples.nvd_record()]))
    (tmp_path / "jvndb.rdf").write_bytes(samples.jvn_rdf())
    (tmp_path / "kev.csv").write_bytes(samples.kev_csv())
    return [str(tmp_path / name) for name in ("nvd.json", "jvndb.rdf", "kev.csv")]


def test_match_json(tmp_path, capsys):
    files = write_inputs(tmp_path)
    code = main(
        ["match", "--cpe", "cpe:2.3:a:apache:struts:2.5.30:*:*:*:*:*:*:*", "--json", *files]
    )
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    (found,) = [m for m in out["matches"] if "CVE-2023-50164" in m["advisory"]["cve"]]
    assert found["confidence"] == "high"
    assert found["advisory"]["jvndb"] == "JVNDB-2023-000777"
    assert found["advisory"]["kev"]["due_date"] == "2024-01-26"
    assert found["criterion"]["version_end_excluding"] == "2.5.33"
    assert found["reason"]["ja"] and found["reason"]["en"]
    urls = {r["url"] for r in found["advisory"]["references"]}
    assert {
        "https://nvd.nist.gov/vuln/detail/CVE-2023-50164",
        "https://jvn.jp/jp/JVN0000001/",
    } <= urls


def test_match_text_by_names_and_not_affected(tmp_path, capsys):
    files = write_inputs(tmp_path)
    assert (
        main(["match", "--vendor", "Apache", "--product", "Struts", "--version", "2.5.30", *files])
        == 0
    )
    text = capsys.readouterr().out
    assert "JVNDB-2023-000777" in text and "理由:" in text and "why:" in text
    assert main(["match", "--cpe", "cpe:2.3:a:apache:struts:2.5.33:*:*:*:*:*:*:*", *files]) == 0
    assert "JVNDB-2023-000777" not in capsys.readouterr().out


def test_bad_arguments_and_unreadable_files(tmp_path, capsys):
    assert main(["match", "--cpe", "nonsense", str(tmp_path / "x")]) == 2
    bad = tmp_path / "page.html"
    bad.write_bytes(samples.HTML_PAGE)
    assert (
        main(
            ["match", "--cpe", "cpe:2.3:a:a:b:1:*:*:*:*:*:*:*", str(bad), str(tmp_path / "missing")]
        )
        == 1
    )
    err = capsys.readouterr().err
    assert "HTML" in err and "missing" in err


def test_command_runs_without_importing_django(tmp_path):
    files = write_inputs(tmp_path)
    script = (
        "import sys; from mamori.intel.command import main; "
        f"code = main(['match', '--cpe', 'cpe:2.3:a:apache:struts:2.5.30:*:*:*:*:*:*:*', *{files!r}]); "
        "assert 'django' not in sys.modules, 'django imported'; sys.exit(code)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "CVE-2023-50164" in done.stdout
