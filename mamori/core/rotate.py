"""Key rotation: every encrypted column re-encrypted from the old key(s) to the new one.

The encrypted columns are listed here, once: every ``EncryptedTextField`` of an installed model
(channel secrets), the report mailbox's IMAP password and the TOTP seeds. Values are read and
written with plain SQL so that no field conversion runs twice. A value is

* already under the new key: left alone;
* under an old key: re-encrypted with the new key;
* plain text written before encryption existed: encrypted with the new key;
* under no key given: left as it is and counted (``unreadable``) — never overwritten.

Recovery codes are one-way hashes: they cannot be re-keyed. Codes made under an old key keep
working while that key is in SECRET_KEY_FALLBACKS; ``stale_recovery_codes`` counts them so the
operator knows who should make new ones before the old key is dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.apps import apps
from django.db import connection, transaction

from . import crypto, otp_secrets


@dataclass(frozen=True)
class SealedColumn:
    label: str
    model: str  # "app_label.ModelName"
    field_name: str
    is_sealed: Callable[[str], bool]
    open_with: Callable[[str, str], str | None]
    seal_with: Callable[[str, str], str]


@dataclass
class ColumnReport:
    label: str
    rotated: int = 0
    encrypted_plain: int = 0
    current: int = 0
    unreadable: int = 0


@dataclass
class RotationReport:
    columns: list[ColumnReport] = field(default_factory=list)
    stale_recovery_codes: int = 0

    @property
    def unreadable(self) -> int:
        return sum(column.unreadable for column in self.columns)


def _encrypted_field_columns() -> list[SealedColumn]:
    columns: list[SealedColumn] = []
    for model in apps.get_models():
        for model_field in model._meta.concrete_fields:
            if not isinstance(model_field, crypto.EncryptedTextField):
                continue
            purpose = model_field.purpose
            columns.append(
                SealedColumn(
                    label=f"{model._meta.label}.{model_field.name}",
                    model=model._meta.label,
                    field_name=model_field.name,
                    is_sealed=lambda value: value.startswith(crypto.PREFIX),
                    open_with=lambda value, key, purpose=purpose: crypto.decrypt_with(
                        value, purpose, key
                    ),
                    seal_with=lambda plain, key, purpose=purpose: crypto.encrypt(
                        plain, purpose, key
                    ),
                )
            )
    return columns


def sealed_columns() -> list[SealedColumn]:
    """Every column holding a secret encrypted with a key derived from SECRET_KEY."""
    from mamori.mailcheck import credentials

    return [
        *_encrypted_field_columns(),
        SealedColumn(
            label="mailcheck.MailCheckSettings.imap_password_encrypted",
            model="mailcheck.MailCheckSettings",
            field_name="imap_password_encrypted",
            is_sealed=lambda value: True,
            open_with=lambda value, key: credentials.decrypt_with(value, key),
            seal_with=lambda plain, key: credentials.encrypt(plain, key),
        ),
        SealedColumn(
            label="otp_totp.TOTPDevice.key",
            model="otp_totp.TOTPDevice",
            field_name="key",
            is_sealed=otp_secrets.is_sealed_seed,
            open_with=otp_secrets.open_seed_with,
            seal_with=otp_secrets.seal_seed,
        ),
    ]


def _rows(table: str, pk: str, column: str) -> list[tuple[object, str]]:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {quote(pk)}, {quote(column)} FROM {quote(table)} "  # noqa: S608 - names from the model registry
            f"WHERE {quote(column)} IS NOT NULL AND {quote(column)} <> ''"
        )
        return [(row[0], str(row[1])) for row in cursor.fetchall()]


def _write(table: str, pk: str, column: str, key: object, value: str) -> None:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(table)} SET {quote(column)} = %s WHERE {quote(pk)} = %s",  # noqa: S608
            [value, key],
        )


def rotate(new_key: str, old_keys: Iterable[str], *, dry_run: bool = False) -> RotationReport:
    """Re-encrypt every sealed column under `new_key` (one transaction)."""
    olds = [key for key in dict.fromkeys(old_keys) if key and key != new_key]
    report = RotationReport()
    with transaction.atomic():
        for column in sealed_columns():
            model = apps.get_model(column.model)
            table = model._meta.db_table
            pk = model._meta.pk.column
            db_column = model._meta.get_field(column.field_name).column
            counts = ColumnReport(column.label)
            for row_key, value in _rows(table, pk, db_column):
                if not column.is_sealed(value):
                    plain: str | None = value
                    counts.encrypted_plain += 1
                elif column.open_with(value, new_key) is not None:
                    counts.current += 1
                    continue
                else:
                    plain = None
                    for old in olds:
                        plain = column.open_with(value, old)
                        if plain is not None:
                            counts.rotated += 1
                            break
                    if plain is None:
                        counts.unreadable += 1
                        continue
                if not dry_run:
                    _write(table, pk, db_column, row_key, column.seal_with(plain, new_key))
            report.columns.append(counts)
        current_id = otp_secrets.key_id(new_key)
        token_model = apps.get_model("otp_static", "StaticToken")
        report.stale_recovery_codes = sum(
            1
            for token in token_model.objects.values_list("token", flat=True)
            if otp_secrets.is_hashed_code(token) and token[1] != current_id
        )
        if dry_run:
            transaction.set_rollback(True)
    return report
