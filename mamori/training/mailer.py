"""One drill mail per recipient: the scenario's text in the recipient's language, their unique
links, an open-tracking image, the admin-visible header and, for the contract scenario, a
harmless text-only .docx whose one hyperlink is the recipient's attachment address."""

from __future__ import annotations

import io
from html import escape
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse

from .content import templates

DRILL_HEADER = "X-Mamori-Drill"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def tracking_url(name: str, token: str) -> str:
    return settings.BASE_URL + reverse(f"training:{name}", kwargs={"token": token})


def harmless_docx(text: str, link_text: str, url: str) -> bytes:
    """A .docx with paragraphs of text and one hyperlink: no macro, no external template."""
    from docx import Document
    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    document = Document()
    for line in text.strip().splitlines():
        document.add_paragraph(line)
    paragraph = document.add_paragraph()
    rel_id = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), rel_id)
    run = OxmlElement("w:r")
    label = OxmlElement("w:t")
    label.text = link_text
    run.append(label)
    link.append(run)
    paragraph._p.append(link)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def compose(recipient: Any, from_email: str) -> EmailMultiAlternatives:
    entry = templates()[recipient.drill.template]
    lang = "en" if recipient.language == "en" else "ja"
    link = tracking_url("click", recipient.token)
    body = entry["body"][lang].format(name=recipient.name, link=link)
    pixel = tracking_url("pixel", recipient.token)
    html_body = escape(body).replace(escape(link), f'<a href="{escape(link)}">{escape(link)}</a>')
    html = (
        f'<html><body><div style="white-space:pre-wrap">{html_body}</div>'
        f'<img src="{escape(pixel)}" width="1" height="1" alt=""></body></html>'
    )
    message = EmailMultiAlternatives(
        subject=entry["subject"][lang],
        body=body,
        from_email=f"{entry['from_name'][lang]} <{from_email}>",
        to=[recipient.email],
        headers={DRILL_HEADER: recipient.token},
    )
    message.attach_alternative(html, "text/html")
    attachment = entry.get("attachment")
    if attachment:
        data = harmless_docx(
            attachment["text"][lang],
            attachment["link_text"][lang],
            tracking_url("attachment", recipient.token),
        )
        message.attach(attachment["file_name"][lang], data, DOCX_TYPE)
    return message
