"""Suspicious-mail check (handbook §7.1–7.4). The engine and the pieces below are pure Python
(no Django): `mamori check-mail` runs without a database. The web, SMTP and IMAP glue
(models, views, inbound, mailbox, tasks) is the Django app in the same package.

Pieces other parts of mamori call:

* `engine.analyse(raw, context=None, limits=None) -> Report` — .eml or Outlook .msg bytes in;
  verdict ("safe" / "caution" / "danger"), score, signals with evidence and ja/en texts out.
  `engine.Context` carries trusted domains, known contacts and extra brands; `engine.Limits`
  the caps. Signal texts, brands and lure phrases are data under mamori/content/mailcheck/.
* `forwarding.extract_forwarded(raw) -> list[bytes]` — the doubted mail(s) inside a forward.
* `reply.compose_reply(report, to=…, from_addr=…, lang="ja") -> EmailMessage`.
* `pipeline.handle_forwarded(raw, check_address=…, context=…) -> ForwardResult` — the two
  above plus loop protection: what the smtpd and IMAP wiring call for each received mail.
* `ppap.pair(reports, window=…) -> list[Pair]` — password zip followed by its password.
* `smtp.CheckAddressHandler(callback, max_bytes=…, accept=…)` — aiosmtpd handler.
* `imap.poll_mailbox(MailboxSettings(…), handle, max_bytes=…)` — IMAP report mailbox.
* `command.main(argv)` — `mamori check-mail PATH...`.
"""
