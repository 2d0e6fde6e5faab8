"""Import and export of the registers: the tabular engine (mamori.tabular) fed with a schema
built from each register's model, and references (a person, a service) resolved by name."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

from django.db import models
from django.utils import translation

from mamori.orgs.access import scoped
from mamori.orgs.models import Organization
from mamori.tabular import CellError, Choice, Column, Preview, Schema, read_table

from .registers import REGISTERS, RegisterSpec

# Other headers people use for the same column in their own spreadsheets.
ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("氏名", "名前", "社員名", "フルネーム", "名称", "Full name"),
    "email": ("メール", "Eメール", "E-mail", "mail"),
    "employment_type": ("雇用区分", "区分"),
    "joined_on": ("入社日", "入社年月日", "Joined on", "Start date"),
    "left_on": ("退職日", "退社日", "Left on", "End date"),
    "username": ("ID", "ユーザーID", "ログインID", "アカウント名", "User ID", "Login"),
    "person": ("利用者", "氏名", "担当者", "User"),
    "service": ("サービス名", "Service name"),
    "role": ("権限", "ロール"),
    "mfa_enabled": ("多要素認証", "二要素認証", "2段階認証", "MFA"),
    "active": ("有効", "状態", "Enabled"),
    "department": ("所属", "所属部署", "部門", "部署名", "課", "Department"),
    "notes": ("備考", "メモ", "摘要", "コメント", "Memo", "Remarks", "Comment"),
}

# Words Japanese staff lists use for the employment type (besides the labels themselves).
CHOICE_ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "employment_type": {
        "regular": ("正社員", "正規", "正規社員", "社員", "常勤", "役員"),
        "part_time": (
            "パート",
            "アルバイト",
            "バイト",
            "パートタイム",
            "パート・アルバイト",
            "非常勤",
        ),
        "fixed_term": ("契約社員", "嘱託", "嘱託社員", "有期", "有期雇用", "契約"),
        "dispatched": ("派遣", "派遣社員", "人材派遣"),
        "contractor": ("業務委託", "委託", "フリーランス", "個人事業主", "外注"),
    },
}


def _both(text: Any) -> tuple[str, str]:
    with translation.override("ja"):
        ja = str(text)
    with translation.override("en"):
        en = str(text)
    return ja, en


def _with_aliases(columns: list[Column]) -> list[Column]:
    """Add the common aliases, except one that another column of the register already uses
    (in Devices, 氏名 must mean the user, not the device name)."""
    taken: dict[str, int] = defaultdict(int)
    for column in columns:
        for text in (column.key, column.label_ja, column.label_en, *ALIASES.get(column.key, ())):
            taken[text.casefold()] += 1
    result = []
    for column in columns:
        own = {column.key.casefold(), column.label_ja.casefold(), column.label_en.casefold()}
        aliases = tuple(
            alias
            for alias in ALIASES.get(column.key, ())
            if alias.casefold() not in own and taken[alias.casefold()] == 1
        )
        result.append(replace(column, aliases=aliases) if aliases else column)
    return result


def _base_column(model: type[models.Model], name: str) -> Column:
    field = model._meta.get_field(name)
    label_ja, label_en = _both(field.verbose_name)
    required = not (field.blank or getattr(field, "null", False) or field.has_default())
    if isinstance(field, models.ManyToManyField):
        return Column(name, label_ja, label_en, "list")
    if isinstance(field, models.ForeignKey):
        return Column(name, label_ja, label_en, "text", max_length=300)
    if field.choices:
        extra = CHOICE_ALIASES.get(name, {})
        choices = [
            Choice(str(value), *_both(label), aliases=extra.get(str(value), ()))
            for value, label in field.choices
        ]
        return Column(name, label_ja, label_en, "choice", required=required, choices=choices)
    if isinstance(field, models.BooleanField):
        return Column(name, label_ja, label_en, "bool")
    if isinstance(field, models.DateField):
        return Column(name, label_ja, label_en, "date")
    if isinstance(field, models.IntegerField):
        return Column(name, label_ja, label_en, "int")
    if isinstance(field, models.EmailField):
        return Column(name, label_ja, label_en, "email", max_length=field.max_length)
    if isinstance(field, models.URLField):
        return Column(name, label_ja, label_en, "url", max_length=field.max_length)
    return Column(name, label_ja, label_en, "text", required=required, max_length=field.max_length)


@cache
def schema_for(key: str) -> Schema:
    spec = REGISTERS[key]
    title_ja, title_en = _both(spec.title)
    columns = _with_aliases([_base_column(spec.model, name) for name in spec.fields])
    return Schema(
        name=key,
        columns=columns,
        unique_together=[spec.natural_key],
        title_ja=title_ja,
        title_en=title_en,
    )


def _reference_fields(spec: RegisterSpec) -> dict[str, type[models.Model]]:
    refs = {}
    for name in spec.fields:
        field = spec.model._meta.get_field(name)
        if isinstance(field, models.ForeignKey | models.ManyToManyField):
            refs[name] = field.related_model
    return refs


def _names(instance: models.Model) -> list[str]:
    """The texts by which a row may refer to this record (its name; a person's email too)."""
    names = [str(instance)]
    for attr in ("name", "email", "url"):
        value = getattr(instance, attr, "")
        if value:
            names.append(str(value))
    return [n.strip().casefold() for n in names if n and n.strip()]


def export_rows(
    org: Organization, spec: RegisterSpec, *, reveal: bool = False
) -> list[dict[str, Any]]:
    """The register's rows as exported; `spec.masked_fields` stay masked unless `reveal`."""
    refs = _reference_fields(spec)
    rows = (
        scoped(spec.model, org).filter(archived_at__isnull=True).order_by(spec.default_order, "pk")
    )
    fk = [
        n for n, _m in refs.items() if isinstance(spec.model._meta.get_field(n), models.ForeignKey)
    ]
    m2m = [n for n in refs if n not in fk]
    rows = rows.select_related(*fk).prefetch_related(*m2m)
    result = []
    for obj in rows:
        values: dict[str, Any] = {}
        for name in spec.fields:
            if name in m2m:
                values[name] = [str(item) for item in getattr(obj, name).all()]
            elif name in fk:
                related = getattr(obj, name)
                values[name] = "" if related is None else str(getattr(related, "name", related))
            else:
                values[name] = getattr(obj, name)
            if name in spec.masked_fields and not reveal and values[name]:
                values[name] = spec.masked_fields[name](str(values[name]))
        result.append(values)
    return result


@dataclass
class ImportPlan:
    preview: Preview
    problems: list[CellError] = field(default_factory=list)
    creates: list[dict[str, Any]] = field(default_factory=list)
    updates: list[tuple[int, dict[str, Any]]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.preview.ok and not self.problems


def _problem(row: int, column: Column, value: str, ja: str, en: str) -> CellError:
    return CellError(
        row=row,
        column_key=column.key,
        column_label_ja=column.label_ja,
        column_label_en=column.label_en,
        value=value,
        message_ja=ja,
        message_en=en,
        code="reference",
    )


def plan_import(org: Organization, spec: RegisterSpec, data: bytes, filename: str) -> ImportPlan:
    """Read the file and work out what would change; nothing is saved here."""
    schema = schema_for(spec.key)
    preview = read_table(data, filename, schema)
    plan = ImportPlan(preview=preview)
    if not preview.ok:
        return plan
    present = preview.present_keys
    refs = _reference_fields(spec)
    lookups: dict[str, dict[str, list[int]]] = {}
    for name, model in refs.items():
        index: dict[str, list[int]] = defaultdict(list)
        for obj in scoped(model, org).filter(archived_at__isnull=True):
            for text in set(_names(obj)):
                index[text].append(obj.pk)
        lookups[name] = index
    key_fields = spec.natural_key
    existing: dict[tuple[str, ...], int] = {}
    for obj in scoped(spec.model, org).select_related(*[k for k in key_fields if k in refs]):
        existing[_natural_key(obj, key_fields, refs)] = obj.pk

    for row in preview.rows:
        values: dict[str, Any] = {}
        for name in present:
            value = row.values.get(name)
            column = schema.by_key[name]
            if name in refs:
                model = refs[name]
                wanted = value if isinstance(value, list) else ([value] if value else [])
                resolved = []
                for text in wanted:
                    matches = lookups[name].get(str(text).strip().casefold(), [])
                    title_ja, title_en = _both(model._meta.verbose_name)
                    if not matches:
                        plan.problems.append(
                            _problem(
                                row.number,
                                column,
                                str(text),
                                f"{title_ja}「{text}」が登録されていません。先に登録するか、名前を確認してください。",
                                f'No {title_en} named "{text}" is registered. Register it first or check the name.',
                            )
                        )
                    elif len(set(matches)) > 1:
                        plan.problems.append(
                            _problem(
                                row.number,
                                column,
                                str(text),
                                f"{title_ja}「{text}」が複数あります。メールアドレスなど区別できる値を入れてください。",
                                f'Several {title_en} records are named "{text}". Use a value that tells them apart, such as the email address.',
                            )
                        )
                    else:
                        resolved.append(matches[0])
                if isinstance(spec.model._meta.get_field(name), models.ManyToManyField):
                    values[name] = resolved
                else:
                    values[name] = resolved[0] if resolved else None
            else:
                values[name] = _default_for(spec.model, name) if value is None else value
        key = tuple(_key_part(values.get(k)) for k in key_fields)
        pk = existing.get(key)
        if pk is None:
            plan.creates.append(values)
        else:
            plan.updates.append((pk, values))
    return plan


def _key_part(value: Any) -> str:
    return "" if value is None else str(value).strip().casefold()


def _default_for(model: type[models.Model], name: str) -> Any:
    field = model._meta.get_field(name)
    if getattr(field, "null", False):
        return None
    if field.has_default():
        return field.get_default()
    return ""


def _natural_key(
    obj: models.Model, key_fields: tuple[str, ...], refs: dict[str, type[models.Model]]
) -> tuple[str, ...]:
    parts = []
    for name in key_fields:
        if name in refs:
            parts.append(_key_part(getattr(obj, f"{name}_id")))
        else:
            parts.append(_key_part(getattr(obj, name)))
    return tuple(parts)


# --- cloud sharing reports → Shares -----------------------------------------------------------


@dataclass
class SharingPlan:
    preview: Preview
    items: list[Any] = field(default_factory=list)
    service_id: int | None = None

    @property
    def ok(self) -> bool:
        return self.preview.ok


def plan_sharing_report(data: bytes, filename: str) -> SharingPlan:
    from mamori.tabular import SHARING_REPORT_SCHEMA, group_shares

    preview = read_table(data, filename, SHARING_REPORT_SCHEMA)
    plan = SharingPlan(preview=preview)
    if preview.ok:
        plan.items = group_shares(preview.rows)
    return plan
