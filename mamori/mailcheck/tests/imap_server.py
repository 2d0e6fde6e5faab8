"""A small IMAP4rev1 server for tests: LOGIN, SELECT, UID SEARCH UNSEEN, UID FETCH, UID STORE.

Just enough of RFC 3501 for imapclient to hold a real protocol exchange on loopback.
"""

from __future__ import annotations

import re
import socketserver
import threading
from dataclasses import dataclass, field


@dataclass
class StoredMail:
    uid: int
    raw: bytes
    flags: set[str] = field(default_factory=set)


class Mailbox:
    def __init__(self, username: str, password: str) -> None:
        self.username = username
        self.password = password
        self.mails: list[StoredMail] = []
        self.lock = threading.Lock()
        self.commands: list[str] = []

    def add(self, raw: bytes, seen: bool = False) -> int:
        with self.lock:
            uid = len(self.mails) + 1
            self.mails.append(
                StoredMail(
                    uid,
                    raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"),
                    {"\\Seen"} if seen else set(),
                )
            )
            return uid

    def by_uid(self, spec: str) -> list[StoredMail]:
        wanted: set[int] = set()
        for piece in spec.split(","):
            if ":" in piece:
                lo, hi = piece.split(":")
                top = max((m.uid for m in self.mails), default=0)
                wanted.update(range(int(lo), (top if hi == "*" else int(hi)) + 1))
            else:
                wanted.add(int(piece))
        return [m for m in self.mails if m.uid in wanted]


def _unquote(token: str) -> str:
    return token[1:-1].replace('\\"', '"').replace("\\\\", "\\") if token.startswith('"') else token


class _Handler(socketserver.StreamRequestHandler):
    box: Mailbox

    def send(self, data: bytes) -> None:
        self.wfile.write(data)
        self.wfile.flush()

    def handle(self) -> None:
        self.send(b"* OK [CAPABILITY IMAP4rev1] test server ready\r\n")
        authed = False
        while True:
            line = self.rfile.readline()
            if not line:
                return
            text = line.decode("utf-8", "replace").rstrip("\r\n")
            self.box.commands.append(text)
            tag, _, rest = text.partition(" ")
            command, _, args = rest.partition(" ")
            command = command.upper()
            if command == "UID":
                command, _, args = args.partition(" ")
                command = "UID " + command.upper()
            if command == "CAPABILITY":
                self.send(b"* CAPABILITY IMAP4rev1\r\n" + f"{tag} OK done\r\n".encode())
            elif command == "LOGIN":
                parts = re.findall(r'"(?:[^"\\]|\\.)*"|\S+', args)
                if (
                    len(parts) == 2
                    and _unquote(parts[0]) == self.box.username
                    and _unquote(parts[1]) == self.box.password
                ):
                    authed = True
                    self.send(f"{tag} OK logged in\r\n".encode())
                else:
                    self.send(f"{tag} NO [AUTHENTICATIONFAILED] bad credentials\r\n".encode())
            elif command == "LOGOUT":
                self.send(b"* BYE bye\r\n" + f"{tag} OK bye\r\n".encode())
                return
            elif command == "NOOP":
                self.send(f"{tag} OK done\r\n".encode())
            elif not authed:
                self.send(f"{tag} NO login first\r\n".encode())
            elif command in {"SELECT", "EXAMINE"}:
                with self.box.lock:
                    count = len(self.box.mails)
                self.send(
                    f"* {count} EXISTS\r\n* 0 RECENT\r\n* FLAGS (\\Seen)\r\n* OK [UIDVALIDITY 1] ok\r\n"
                    f"{tag} OK [READ-WRITE] selected\r\n".encode()
                )
            elif command == "UID SEARCH":
                with self.box.lock:
                    if "UNSEEN" in args.upper():
                        found = [m.uid for m in self.box.mails if "\\Seen" not in m.flags]
                    else:
                        found = [m.uid for m in self.box.mails]
                self.send(
                    ("* SEARCH " + " ".join(map(str, found))).rstrip().encode()
                    + b"\r\n"
                    + f"{tag} OK done\r\n".encode()
                )
            elif command == "UID FETCH":
                spec, _, items = args.partition(" ")
                with self.box.lock:
                    mails = self.box.by_uid(spec)
                for mail in mails:
                    seq = self.box.mails.index(mail) + 1
                    if "BODY.PEEK[]" in items.upper() or "BODY[]" in items.upper():
                        self.send(
                            f"* {seq} FETCH (UID {mail.uid} BODY[] {{{len(mail.raw)}}}\r\n".encode()
                            + mail.raw
                            + b")\r\n"
                        )
                    else:
                        self.send(
                            f"* {seq} FETCH (UID {mail.uid} RFC822.SIZE {len(mail.raw)})\r\n".encode()
                        )
                self.send(f"{tag} OK fetched\r\n".encode())
            elif command == "UID STORE":
                spec, _, change = args.partition(" ")
                with self.box.lock:
                    for mail in self.box.by_uid(spec):
                        if "+FLAGS" in change.upper() and "\\SEEN" in change.upper():
                            mail.flags.add("\\Seen")
                        seq = self.box.mails.index(mail) + 1
                        flags = " ".join(sorted(mail.flags))
                        self.send(f"* {seq} FETCH (UID {mail.uid} FLAGS ({flags}))\r\n".encode())
                self.send(f"{tag} OK stored\r\n".encode())
            else:
                self.send(f"{tag} BAD unknown command\r\n".encode())


class ImapTestServer:
    """Start with `with ImapTestServer(box) as port:` — serves on 127.0.0.1 in a thread."""

    def __init__(self, box: Mailbox) -> None:
        handler = type("BoundHandler", (_Handler,), {"box": box})
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> int:
        self.thread.start()
        return int(self.server.server_address[1])

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
