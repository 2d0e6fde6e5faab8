"""Payees and verified payee changes (振込先変更の確認): issue 17."""
