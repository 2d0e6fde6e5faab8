"""Links in mails and pages follow the address `mamori serve` actually listens on."""

from __future__ import annotations

from mamori.core.commands.serve import served_url


def test_served_url_follows_host_and_port() -> None:
    assert served_url("127.0.0.1", 8101) == "http://127.0.0.1:8101"
    assert served_url("0.0.0.0", 8101) == "http://127.0.0.1:8101"  # noqa: S104
    assert served_url("::1", 9000) == "http://[::1]:9000"
    assert served_url("mamori.local", 80) == "http://mamori.local:80"


def test_one_language_picks_the_readers_half() -> None:
    from django.utils import translation

    from mamori.core.templatetags.mamori_tags import one_language

    stored = (
        "チャットサービスがメッセージを受け付けませんでした / the chat service did not accept it"
    )
    with translation.override("ja"):
        assert one_language(stored) == "チャットサービスがメッセージを受け付けませんでした"
    with translation.override("en"):
        assert one_language(stored) == "the chat service did not accept it"
        assert one_language("PC-01 / PC-02") == "PC-01 / PC-02"
