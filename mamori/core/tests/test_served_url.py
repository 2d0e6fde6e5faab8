"""Links in mails and pages follow the address `mamori serve` actually listens on."""

from __future__ import annotations

from mamori.core.commands.serve import served_url


def test_served_url_follows_host_and_port() -> None:
    assert served_url("127.0.0.1", 8101) == "http://127.0.0.1:8101"
    assert served_url("0.0.0.0", 8101) == "http://127.0.0.1:8101"  # noqa: S104
    assert served_url("::1", 9000) == "http://[::1]:9000"
    assert served_url("mamori.local", 80) == "http://mamori.local:80"
