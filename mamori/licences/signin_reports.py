"""Sign-in and app-access reports (Microsoft 365 / Entra ID, Google Workspace) read into a list
of apps in use, to find services the register does not know (shadow IT, handbook §3.1).

Pure Python on top of mamori.tabular (no Django): the same caps, header folding and bilingual
per-row errors as a register import. Accepted exports and the columns used (matching ignores
case, spaces, full/half width and bracketed notes; other columns are ignored):

| report | columns used |
|---|---|
| Entra ID sign-in logs, "Download" → CSV (InteractiveSignIns_*.csv) | Application, Application ID, Username (UPN), Date (UTC) |
| Entra ID Enterprise applications, "Download (Export)" → CSV | Name, Application ID, Homepage URL, Created on |
| Google Workspace API controls → Accessed apps, "Download list" | App name, ID, Users (number of users), Type |
| Google Workspace OAuth log events export (Reporting → Audit → OAuth) | App name (or Application name), Client ID, Actor (or User), Date |

Sign-ins to the platform itself (Microsoft's and Google's own apps: Office, Teams, Outlook,
Azure portal, Gmail …) are the platform, not another service, and are left out.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from mamori.tabular.dates import parse_datetime
from mamori.tabular.reader import CellError, Preview, read_table
from mamori.tabular.schema import Column, Limits, Schema

# Generous for a month of sign-ins of a small organisation, bounded for the request.
REPORT_LIMITS = Limits(max_file_bytes=20 * 1024 * 1024, max_rows=100_000, max_seconds=30.0)
MAX_USERS_KEPT = 10  # names listed per app; the count says how many in all
MAX_APPS = 2_000

# key: (Japanese label, English label, other accepted names…)
REPORT_COLUMNS: dict[str, tuple[str, ...]] = {
    "app": (
        "アプリケーション",
        "Application",
        "アプリ名",
        "アプリケーション名",
        "App name",
        "Application name",
        "App display name",
        "AppDisplayName",
        "app_name",
        "Name",
        "名前",
    ),
    "app_id": (
        "アプリケーション ID",
        "Application ID",
        "アプリ ID",
        "クライアント ID",
        "App ID",
        "AppId",
        "Client ID",
        "client_id",
        "ID",
    ),
    "account": (
        "ユーザー名",
        "Username",
        "User principal name",
        "UserPrincipalName",
        "UPN",
        "Actor",
        "Actor email",
        "User email",
        "ユーザーのメールアドレス",
        "アクター",
        "実行者",
    ),
    "users": ("ユーザー数", "Users", "Number of users", "User count"),
    "when": (
        "日付",
        "Date",
        "Date (UTC)",
        "CreatedDateTime",
        "Created on",
        "Time",
        "Timestamp",
        "日時",
        "作成日",
    ),
    "homepage": ("ホームページ URL", "Homepage URL", "Homepage", "ホームページ"),
    "type": ("種類", "Type", "Client type", "クライアントの種類"),
}


def _column(key: str, kind: str, **options: Any) -> Column:
    label_ja, label_en, *aliases = REPORT_COLUMNS[key]
    return Column(key, label_ja, label_en, kind, aliases=tuple(aliases), **options)


SIGNIN_REPORT_SCHEMA = Schema(
    name="signin_report",
    title_ja="サインイン・アプリのレポート",
    title_en="Sign-in or app report",
    columns=[
        _column("app", "text", required=True, max_length=300, example="Dropbox"),
        _column("app_id", "text", max_length=300, example="1a2b3c4d-0000-0000-0000-000000000000"),
        _column("account", "text", max_length=320, example="taro@example.co.jp"),
        # Read as text: a date in an unexpected format must not reject the whole report.
        _column("when", "text", max_length=100, example="2026-11-30T01:02:03Z"),
        _column("users", "int", example=3),
        _column("homepage", "text", max_length=500, example="https://www.dropbox.com/"),
        _column("type", "text", max_length=100, example="Web application"),
    ],
)

# The platform's own apps (first-party): a sign-in to Outlook is Microsoft 365 itself.
PLATFORM_PREFIXES: tuple[str, ...] = (
    "microsoft",
    "office",
    "office 365",
    "outlook",
    "teams",
    "sharepoint",
    "onedrive",
    "exchange",
    "azure",
    "windows",
    "my apps",
    "my profile",
    "my signins",
    "power bi",
    "power apps",
    "intune",
    "bing",
    "google",
    "gmail",
    "android",
    "ios account manager",
    "chrome",
    "youtube",
)


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def is_platform_app(name: str) -> bool:
    folded = _fold(name)
    return any(folded == p or folded.startswith(p + " ") for p in PLATFORM_PREFIXES)


@dataclass
class AppInUse:
    """One app the report shows in use, merged over all its rows."""

    name: str
    app_id: str = ""
    homepage: str = ""
    users: set[str] = field(default_factory=set)
    reported_users: int = 0  # an "Users" count column (Google's accessed apps)
    sign_ins: int = 0
    first_seen: datetime | None = None
    last_seen: datetime | None = None

    @property
    def user_count(self) -> int:
        return max(len(self.users), self.reported_users)

    @property
    def user_sample(self) -> list[str]:
        return sorted(self.users)[:MAX_USERS_KEPT]


@dataclass
class SigninReport:
    preview: Preview
    source: str
    apps: list[AppInUse] = field(default_factory=list)
    platform_rows: int = 0

    @property
    def ok(self) -> bool:
        return self.preview.ok

    @property
    def errors(self) -> list[CellError]:
        return self.preview.errors


def detect_source(preview: Preview) -> str:
    """Which export this is, from its columns: the page names it so people see what was read."""
    headers = {_fold(match.header) for match in preview.columns}
    keys = preview.present_keys
    if "account" in keys and any(h.startswith("date (utc)") for h in headers):
        return "m365_signins"
    if "homepage" in keys or any(h == "created on" for h in headers):
        return "m365_apps"
    if "users" in keys or "actor" in headers or "client id" in headers:
        return "google_apps"
    return "other"


def read_signin_report(data: bytes, filename: str) -> SigninReport:
    """Read a report; never raises on bad input (problems are in .preview.errors)."""
    preview = read_table(data, filename, SIGNIN_REPORT_SCHEMA, limits=REPORT_LIMITS)
    report = SigninReport(preview=preview, source=detect_source(preview))
    if not preview.ok:
        return report
    apps: dict[str, AppInUse] = {}
    for row in preview.rows:
        values = row.values
        name = (values.get("app") or "").strip()
        if not name:
            continue
        if is_platform_app(name):
            report.platform_rows += 1
            continue
        key = _fold(name)
        app = apps.get(key)
        if app is None:
            if len(apps) >= MAX_APPS:
                continue
            app = apps[key] = AppInUse(name=name[:200])
        app.sign_ins += 1
        app.app_id = app.app_id or (values.get("app_id") or "").strip()[:200]
        app.homepage = app.homepage or (values.get("homepage") or "").strip()[:500]
        user = (values.get("account") or "").strip()
        if user:
            app.users.add(user.casefold())
        app.reported_users = max(app.reported_users, values.get("users") or 0)
        when, _problem = parse_datetime(values.get("when") or "")
        if when is not None:
            app.first_seen = min(app.first_seen or when, when, key=_sortable)
            app.last_seen = max(app.last_seen or when, when, key=_sortable)
    report.apps = sorted(apps.values(), key=lambda a: (-a.user_count, _fold(a.name)))
    return report


def _sortable(value: datetime) -> tuple[int, ...]:
    # Aware and naive datetimes may mix in one report; compare them as wall-clock values.
    return value.replace(tzinfo=None).timetuple()[:6]
