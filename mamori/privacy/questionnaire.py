"""The supplier selection checklist (委託先の選定), answered through a single-use link.

Questions carry both languages here because the person answering has no account (and so no
language setting): the page follows the browser or the switch on the page. The structure
follows handbook §10 (capability to handle personal data, contract, audit, servers abroad) and
§6.1 (re-entrustment abroad); the wording is ours.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Question:
    id: str
    kind: str  # "yesno", "text", "date", "hours"
    ja: str
    en: str

    def text(self, language: str) -> str:
        return self.en if language.startswith("en") else self.ja


QUESTIONS: tuple[Question, ...] = (
    Question(
        "certification",
        "text",
        "プライバシーマークまたは ISMS 認証をお持ちなら、その種類と登録番号をお書きください。",
        "If you hold the Privacy Mark or ISMS certification, give the kind and number.",
    ),
    Question(
        "certification_expires_on",
        "date",
        "その認証の有効期限",
        "The certificate's expiry date",
    ),
    Question(
        "policy",
        "yesno",
        "個人情報の取扱いについて、社内の規程と責任者を定めていますか。",
        "Do you have written rules and a named person responsible for personal data?",
    ),
    Question(
        "training",
        "yesno",
        "当社のデータを扱う従業者に、年1回以上の教育をしていますか。",
        "Do the staff handling our data receive training at least once a year?",
    ),
    Question(
        "access_control",
        "yesno",
        "当社のデータにアクセスできる人を限定し、アクセスの記録を残していますか。",
        "Is access to our data limited to named people and logged?",
    ),
    Question(
        "encryption",
        "yesno",
        "当社のデータを保存するときと送るときに暗号化していますか。",
        "Is our data encrypted when stored and when sent?",
    ),
    Question(
        "reentrustment",
        "yesno",
        "作業を再委託するときは、事前に当社の同意を得ますか。",
        "Do you ask our consent before passing any of the work to another company?",
    ),
    Question(
        "countries",
        "text",
        "日本以外でデータを保存・処理する国があればお書きください（なければ空欄）。",
        "Countries other than Japan where our data is stored or processed (leave empty if none).",
    ),
    Question(
        "incident_hours",
        "hours",
        "事故が起きたとき、何時間以内に当社へ第一報を入れられますか。",
        "Within how many hours can you give us first notice of an incident?",
    ),
    Question(
        "deletion",
        "yesno",
        "契約終了時に当社のデータを返却または消去し、その証明を出せますか。",
        "At the end of the contract, will you return or delete our data and confirm it in writing?",
    ),
    Question(
        "respondent",
        "text",
        "回答者のお名前と部署",
        "Your name and department",
    ),
)

BY_ID = {q.id: q for q in QUESTIONS}
