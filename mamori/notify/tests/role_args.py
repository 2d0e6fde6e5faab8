from __future__ import annotations

from typing import Any

from mamori.notify.models import Channel, ChannelKind


def role_args(org: Any, members: dict[str, Any]) -> dict[str, dict[str, Any]]:
    channel = Channel.objects.create(
        organization=org, name="Mail", kind=ChannelKind.EMAIL, enabled=False
    )
    args = {"pk": channel.pk}
    return {
        "notify:channel_edit": args,
        "notify:channel_delete": args,
        "notify:channel_test": args,
    }
