"""Behind the reverse proxy, a drill click is attributed to the address the proxy saw (so a
mail scanner's range is recognised), and a client cannot forge it without the proxy setting."""

from __future__ import annotations

from django.test import RequestFactory, override_settings

from mamori.training.views import _client_ip


def test_the_forwarded_address_counts_only_behind_the_proxy() -> None:
    request = RequestFactory().get(
        "/t/x", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7, 40.94.1.2"
    )
    with override_settings(SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https")):
        assert _client_ip(request) == "40.94.1.2"
    with override_settings(SECURE_PROXY_SSL_HEADER=None):
        assert _client_ip(request) == "127.0.0.1"


def test_a_forward_with_a_header_that_cannot_be_written_out_is_still_scanned() -> None:
    """A forwarded mail whose attached original carries characters its declared charset cannot
    encode (the fuzz test found one) is scanned without raising."""
    from mamori.training.reporting import tokens_in

    raw = (
        b"From: a@example.jp\r\nTo: check@example.jp\r\nSubject: Fwd\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
        b"Content-Type: message/rfc822\r\n\r\nSubject: \xe3\x81\x82\xff\r\n"
        b"Content-Type: text/plain; charset=us-ascii\r\n\r\n\xe3\x81\x82 body\r\n--b--\r\n"
    )
    assert tokens_in(raw) == []
