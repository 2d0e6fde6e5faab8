"""Plain descriptions written by the team, with the playbook each should lead to."""

from __future__ import annotations

TRIAGE_CASES: tuple[tuple[str, str], ...] = (
    ("朝来たらパソコンに身代金を要求する画面が出ていた", "ransomware"),
    ("共有フォルダのファイルが全部開けなくなって、拡張子が変なものに変わっている", "ransomware"),
    (
        "画面に「データを返してほしければビットコインを払え」と出てカウントダウンしている",
        "ransomware",
    ),
    (
        "取引先を名乗るメールで振込先の口座が変わったと言われ、そのとおり振り込んでしまった",
        "bec-payee-fraud",
    ),
    (
        "仕入先から先月分が入金されていないと連絡があった。請求書の口座が偽物だったらしい",
        "bec-payee-fraud",
    ),
    (
        "宅配業者を装ったSMSのリンクを開いて、IDとパスワードを入力してしまった",
        "phishing-credentials",
    ),
    (
        "「アカウントが停止されました」というメールから本物そっくりのサイトでログインしてしまった",
        "phishing-credentials",
    ),
    (
        "取引先から届いたWordファイルを開いてマクロを有効にしたら、私の名前で変なメールが出回っているらしい",
        "emotet-macro",
    ),
    ("エクセルの添付を開いたら「コンテンツの有効化」と出たので押してしまった", "emotet-macro"),
    (
        "知人を装ったメールの添付ファイルを開いたが何も表示されず、その後社外への不審な通信が見つかった",
        "targeted-attack-mail",
    ),
    (
        "会社のホームページを開いたら見覚えのない画像と文章に書き換えられていた",
        "website-defacement",
    ),
    ("サイトを見たお客さんから、別のサイトに飛ばされると電話があった", "website-defacement"),
    ("公式インスタグラムのアカウントが乗っ取られて勝手に投稿されている", "sns-account-takeover"),
    ("うちの偽アカウントがツイッターにできていてフォロワーが混乱している", "sns-account-takeover"),
    ("電車にノートパソコンを鞄ごと置き忘れてしまった", "lost-device"),
    ("顧客名簿が入ったUSBメモリをどこかで落としたみたい", "lost-device"),
    ("営業車が車上荒らしにあってスマホが盗まれた", "lost-device"),
    (
        "顧客全員に一斉送信するときBCCでなくCCに入れてしまい、アドレスが見えてしまった",
        "mail-misaddressed",
    ),
    ("見積書を別のお客さんに送り間違えた", "mail-misaddressed"),
    ("パスワード付きzipとパスワードのメールを両方とも違う宛先に送ってしまった", "ppap-misdelivery"),
    (
        "退職した元社員のアカウントがまだ残っていて、そこからログインされていた",
        "former-employee-insider",
    ),
    (
        "うちの顧客にだけ届くはずのないダイレクトメールが届くようになり、名簿業者に売られたようだ",
        "former-employee-insider",
    ),
    ("ウェブサイトに大量のアクセスが集中してつながらなくなった", "ddos"),
    (
        "クラウドサービスの障害で預けていたデータが消えてしまい、復旧できないと言われた",
        "cloud-data-loss",
    ),
    (
        "読んでいないはずのメールが既読になっていて、誰にも話していないことを同僚が知っていた",
        "mail-snooping",
    ),
    (
        "ほかのサイトと同じパスワードを使い回していたクラウドストレージに不正ログインされた",
        "credential-stuffing",
    ),
    (
        "フレームワークの脆弱性への対応が遅れて、データベースから顧客情報が盗まれた",
        "database-breach-unpatched",
    ),
    ("資料請求フォームの申込者の名簿がネット上で誰でも見られる状態になっていた", "web-form-leak"),
    ("買った中古パソコンに前の持ち主の診療明細の画像が残っていた", "used-pc-data-leak"),
    (
        "口コミサイトで見つけた無料ソフトをダウンロードして入れたら、数か月後にウイルス対策ソフトが警告を出した",
        "fake-download-malware",
    ),
    (
        "社内サーバが不正アクセスを検知して隔離したら受発注システムが止まり、取引先の業務にも影響が出た",
        "intrusion-system-outage",
    ),
    (
        "証券会社に派遣されていた社員が顧客のIDをコピーして、なりすまして株取引をしていた",
        "insider-id-misuse",
    ),
    ("社員が自宅に持ち帰ったデータから、顧客情報がSNSに出回っている", "leak-despite-measures"),
    ("We came in this morning and a ransom note says all our files are encrypted", "ransomware"),
    (
        "I typed my password into a fake login page after clicking an SMS link",
        "phishing-credentials",
    ),
    ("My laptop was stolen from the car", "lost-device"),
    (
        "A supplier's email said their bank account changed and we paid the new account",
        "bec-payee-fraud",
    ),
)
