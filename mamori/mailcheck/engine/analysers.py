"""The mail analysers, listed in one explicit registry and run in the order registered.

Each analyser reads the parsed mail and what earlier ones found (`Work`), and adds signals to the
collector. A new check is one function registered here; nothing is discovered by scanning.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from mamori.core.registry import Registry

from .attachments import AttachmentFacts, analyse_attachment
from .content import check_content
from .environment import Environment
from .links import LinkFacts, check_links
from .model import Limits
from .parse import ParsedMail
from .sender import check_sender
from .signals import Collector


@dataclass
class Work:
    """One mail under analysis: its parts, the environment, and what the analysers found."""

    mail: ParsedMail
    env: Environment
    limits: Limits
    out: Collector
    claimed_brands: list[str] = field(default_factory=list)
    links: LinkFacts = field(default_factory=LinkFacts)
    attachments: AttachmentFacts = field(default_factory=AttachmentFacts)
    content: dict[str, bool] = field(default_factory=dict)


Analyser = Callable[[Work], None]
ANALYSERS: Registry[Analyser] = Registry("mail analyser")


@ANALYSERS.register("sender")
def sender_analyser(work: Work) -> None:
    work.claimed_brands = check_sender(work.mail, work.env, work.out)


@ANALYSERS.register("links")
def links_analyser(work: Work) -> None:
    work.links = check_links(
        work.mail, work.env, work.claimed_brands, work.out, work.limits.max_links
    )


@ANALYSERS.register("attachments")
def attachments_analyser(work: Work) -> None:
    for attachment in work.mail.attachments:
        if work.out.out_of_time():
            break
        analyse_attachment(
            attachment.name,
            attachment.data,
            attachment.truncated,
            work.limits,
            work.out,
            work.attachments,
        )


@ANALYSERS.register("content")
def content_analyser(work: Work) -> None:
    # Runs even when time is up: it is cheap, and the lure phrases matter most.
    work.content = check_content(work.mail, work.links, work.out, work.limits.max_text_chars)


ALWAYS_RUN = frozenset({"sender", "content"})
