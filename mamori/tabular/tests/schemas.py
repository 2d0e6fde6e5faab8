"""Schemas used by the tests and the benchmark: a People-like register (8 columns) and a small
one exercising every kind."""

from __future__ import annotations

from mamori.tabular import Choice, Column, Schema, date_order

EMPLOYMENT = [
    Choice("regular", "正社員", "Regular employee", aliases=("社員", "正規")),
    Choice("part_time", "パート・アルバイト", "Part-time", aliases=("パート", "アルバイト")),
    Choice("dispatched", "派遣", "Agency worker", aliases=("派遣社員",)),
    Choice("contractor", "業務委託", "Contractor", aliases=("委託",)),
]

JOINED = Column("joined", "入社日", "Joined", "date")
LEFT = Column("left", "退職日", "Left", "date")

PEOPLE = Schema(
    name="people",
    title_ja="人",
    title_en="People",
    columns=[
        Column("name", "氏名", "Name", "text", required=True, max_length=100, example="山田 太郎"),
        Column(
            "email", "メールアドレス", "Email", "email", required=True, aliases=("メール", "E-mail")
        ),
        Column("department", "部署", "Department", "text", max_length=100),
        Column("employment", "雇用形態", "Employment type", "choice", choices=EMPLOYMENT),
        JOINED,
        LEFT,
        Column("is_admin", "管理者", "Administrator", "bool"),
        Column("groups", "グループ", "Groups", "list", max_length=50),
    ],
    unique_together=[("email",)],
    row_checks=[date_order(JOINED, LEFT)],
)

ALL_KINDS = Schema(
    name="all_kinds",
    columns=[
        Column("text", "文字", "Text", "text", max_length=200),
        Column("email", "メール", "Mail", "email"),
        Column("url", "URL", "URL", "url"),
        Column("day", "日付", "Day", "date"),
        Column("moment", "日時", "Moment", "datetime"),
        Column("flag", "有無", "Flag", "bool"),
        Column("count", "台数", "Count", "int"),
        Column("kind", "種類", "Kind", "choice", choices=EMPLOYMENT),
        Column("tags", "タグ", "Tags", "list"),
        Column("roles", "役割", "Roles", "list", choices=EMPLOYMENT),
    ],
    unique_together=[("text", "day")],
)
