"""The personal-data register and contractor supervision (個人情報取扱台帳, 委託先の監督): issue 18."""
