"""Cloud-storage sharing reports (Google Drive, OneDrive/SharePoint, Box, or a hand-made list)
read into the Shares register.

Accepted column names (matching ignores case, spaces, full/half width and bracketed notes):

| field (key) | Japanese headers | English headers |
|---|---|---|
| name | ファイル名, 名前, アイテム名, タイトル, フォルダ名 | File name, Name, Title, Item name, File |
| path | パス, 場所, フォルダ, 保存場所 | Path, Location, Folder, Folder path, Item path, Resource path, Object path |
| url | URL, リンク, アドレス | URL, Link, Web URL, Item URL |
| owner | 所有者, オーナー, 作成者 | Owner, Owned by, Owner email, Created by |
| shared_with | 共有相手, 共有先, 共有ユーザー, アクセスできるユーザー | Shared with, Users, Collaborators, Shared to, Recipients, People with access, User email, User e-mail |
| permission | 権限, アクセス権, 役割, 共有権限 | Permission, Role, Access, Access level, Permissions, Permission level |
| scope | リンクの共有, 公開範囲, 共有範囲, リンクの種類 | Link sharing, Visibility, Sharing, Link access, Shared link, Sharing type, Link type, Scope |

At least one of name, path and URL must be present. Values of `scope` (who can open it):

| value | Japanese | English (as the services write it) |
|---|---|---|
| public | 一般公開, ウェブ上で一般公開, 公開 | Public, Public on the web, Everyone |
| anyone_with_link | リンクを知っている全員, リンクを知っているインターネット上の全員 | Anyone with the link, People with the link, Anyone, Anonymous (SharePoint link type), Open (Box) |
| partners | 取引先, 社外, 外部, ゲスト | Partners, External, External users, Shared externally, Guests |
| internal | 組織内, 社内, ドメイン内 | Internal, Organization, Company, Shared internally, Anyone in the domain with the link, Anyone at/in <domain> with the link, People in <org> with the link, People in your company |
| private | 本人のみ, 制限付き, 非公開, 特定のユーザー | Private, Restricted, Only me, Specific people, People with existing access, Invited people only, Collaborators (only), Not shared |

Values of `permission`:

| value | Japanese | English |
|---|---|---|
| owner | 所有, 所有者, オーナー | Owner, Is owner, Co-owner |
| editor | 編集, 編集者, 編集可 | Editor, Can edit, Edit, Writer, Contributor, Contribute, Full control, Uploader, Viewer Uploader |
| viewer | 閲覧, 閲覧者, 閲覧のみ, 閲覧者（コメント可）, コメント可 | Viewer, Can view, View, View only, Reader, Read, Commenter, Can comment, Previewer, Restricted view, Limited access |

`shared_with` holds one or more people or groups separated by ; 、 , or line breaks. A report row
per grant (Google Drive's style) or a row per file both work: group_shares() merges the rows of
one file (same URL, else same path and name) into one share with all its grants and the widest
scope seen. A "shared with" entry that is a scope ("Anyone with the link") counts as the scope.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from mamori.tabular.schema import Choice, Column, Schema

SCOPE_ORDER = ("private", "internal", "partners", "anyone_with_link", "public")

SCOPES = (
    Choice(
        "public",
        "一般公開",
        "Public",
        aliases=(
            "ウェブ上で一般公開",
            "公開",
            "インターネット上で公開",
            "Public on the web",
            "Everyone",
            "Anyone on the internet",
        ),
    ),
    Choice(
        "anyone_with_link",
        "リンクを知っている全員",
        "Anyone with the link",
        aliases=(
            "リンクを知っているインターネット上の全員",
            "リンクを知っている人全員",
            "リンクを知っている全員が閲覧可",
            "リンクを知っている全員が編集可",
            "People with the link",
            "Anyone with link",
            "Anyone",
            "Anyone with the link can view",
            "Anyone with the link can edit",
            "Anonymous",  # SharePoint/OneDrive link type
            "Anonymous access",
            "Open",  # Box: anyone who has the link
        ),
    ),
    Choice(
        "partners",
        "取引先",
        "Partners",
        aliases=(
            "社外",
            "外部",
            "外部ユーザー",
            "ゲスト",
            "External",
            "External users",
            "Shared externally",
            "Guests",
            "Guest",
        ),
    ),
    Choice(
        "internal",
        "組織内",
        "Internal",
        aliases=(
            "社内",
            "ドメイン内",
            "組織",
            "Organization",
            "Organisation",
            "Company",
            "Domain",
            "Shared internally",
            "Anyone in the domain with the link",
            "People within domain with link",
            "People in your company",
            "People in your organization",
            "Company link",
        ),
        patterns=(
            r"^anyone (at|in) \S+ with the link",
            r"^people in .+ with the link",
            r"^anyone (at|in) \S+$",
            r"のリンクを知っている(全員|ユーザー)",
        ),
    ),
    Choice(
        "private",
        "本人のみ",
        "Private",
        aliases=(
            "制限付き",
            "非公開",
            "特定のユーザー",
            "自分のみ",
            "Restricted",
            "Only me",
            "Specific people",
            "People with existing access",
            "Invited people only",
            "Collaborators only",
            "Collaborators",
            "People in this folder",
            "Not shared",
            "None",
        ),
    ),
)

PERMISSIONS = (
    Choice(
        "owner", "所有", "Owner", aliases=("所有者", "オーナー", "Is owner", "Co-owner", "Owned by")
    ),
    Choice(
        "editor",
        "編集",
        "Editor",
        aliases=(
            "編集者",
            "編集可",
            "編集可能",
            "Can edit",
            "Edit",
            "Writer",
            "Write",
            "Contributor",
            "Contribute",
            "Full control",
            "Uploader",
            "Viewer Uploader",
            "Previewer Uploader",
            "Read/write",
        ),
    ),
    Choice(
        "viewer",
        "閲覧",
        "Viewer",
        aliases=(
            "閲覧者",
            "閲覧のみ",
            "閲覧可",
            "閲覧者（コメント可）",
            "コメント可",
            "コメント",
            "Can view",
            "View",
            "View only",
            "Reader",
            "Read",
            "Read only",
            "Commenter",
            "Can comment",
            "Previewer",
            "Restricted view",
            "Limited access",
        ),
    ),
)

# key: (Japanese label, English label, other accepted names…)
SHARING_REPORT_COLUMNS: dict[str, tuple[str, ...]] = {
    "name": (
        "ファイル名",
        "File name",
        "名前",
        "アイテム名",
        "タイトル",
        "フォルダ名",
        "Name",
        "Title",
        "Item name",
        "File",
    ),
    "path": (
        "パス",
        "Path",
        "場所",
        "フォルダ",
        "保存場所",
        "Location",
        "Folder",
        "Folder path",
        "Item path",
        "Resource path",
        "Object path",
    ),
    "url": ("URL", "URL", "リンク", "アドレス", "Link", "Web URL", "Item URL"),
    "owner": ("所有者", "Owner", "オーナー", "作成者", "Owned by", "Owner email", "Created by"),
    "shared_with": (
        "共有相手",
        "Shared with",
        "共有先",
        "共有ユーザー",
        "アクセスできるユーザー",
        "Users",
        "Collaborators",
        "Shared to",
        "Recipients",
        "People with access",
        "User email",
        "User e-mail",
    ),
    "permission": (
        "権限",
        "Permission",
        "アクセス権",
        "役割",
        "共有権限",
        "Role",
        "Access",
        "Access level",
        "Permissions",
        "Permission level",
    ),
    "scope": (
        "リンクの共有",
        "Link sharing",
        "公開範囲",
        "共有範囲",
        "リンクの種類",
        "Visibility",
        "Sharing",
        "Link access",
        "Shared link",
        "Sharing type",
        "Link type",
        "Scope",
    ),
}


def _column(key: str, kind: str, **options: Any) -> Column:
    label_ja, label_en, *aliases = SHARING_REPORT_COLUMNS[key]
    return Column(key, label_ja, label_en, kind, aliases=tuple(aliases), **options)


SHARING_REPORT_SCHEMA = Schema(
    name="sharing_report",
    title_ja="共有レポート",
    title_en="Sharing report",
    columns=[
        _column("name", "text", max_length=500, example="見積書_2024.xlsx"),
        _column("path", "text", max_length=2000, example="/営業/見積"),
        _column("url", "url", example="https://drive.example.com/file/d/abc"),
        _column("owner", "text", max_length=254, example="taro@example.co.jp"),
        _column(
            "shared_with",
            "list",
            max_length=254,
            separators=(";", "；", "、", ",", "，", "\n"),
            example=["hanako@example.co.jp"],
        ),
        _column("permission", "choice", choices=PERMISSIONS),
        _column("scope", "choice", choices=SCOPES),
    ],
    required_one_of=[("name", "path", "url")],
)

_SCOPE_COLUMN = SHARING_REPORT_SCHEMA.by_key["scope"]


@dataclass
class SharedItem:
    """One file, folder or link with everything the report says about it."""

    name: str
    path: str
    url: str
    owner: str
    scope: str | None
    grants: list[tuple[str, str | None]] = field(default_factory=list)  # (who, permission)
    rows: list[int] = field(default_factory=list)  # report rows it came from


def wider_scope(first: str | None, second: str | None) -> str | None:
    if first is None:
        return second
    if second is None:
        return first
    return max(first, second, key=SCOPE_ORDER.index)


def group_shares(rows: Iterable[Any]) -> list[SharedItem]:
    """Merge report rows (reader.Row objects or plain dicts of values) into one item per file."""
    items: dict[tuple[str, ...], SharedItem] = {}
    for row in rows:
        values = row.values if hasattr(row, "values") and not isinstance(row, dict) else row
        number = getattr(row, "number", 0)
        url = values.get("url") or ""
        name = values.get("name") or ""
        path = values.get("path") or ""
        key = ("url", url) if url else ("path", path.casefold(), name.casefold())
        item = items.get(key)
        if item is None:
            item = items[key] = SharedItem(name, path, url, values.get("owner") or "", None)
        item.rows.append(number)
        item.name = item.name or name
        item.path = item.path or path
        item.owner = item.owner or (values.get("owner") or "")
        item.scope = wider_scope(item.scope, values.get("scope"))
        for who in values.get("shared_with") or []:
            as_scope = _SCOPE_COLUMN.match_choice(who)
            if as_scope is not None and "@" not in who:
                item.scope = wider_scope(item.scope, as_scope.value)
                continue
            grant = (who, values.get("permission"))
            if grant not in item.grants:
                item.grants.append(grant)
    return list(items.values())
