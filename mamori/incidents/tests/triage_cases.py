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
    ("PCを起動したら英語で脅迫文が出て、ファイルの名前が全部変わっていた", "ransomware"),
    ("NASの中身が全部暗号化されて開けない", "ransomware"),
    ("社長を名乗るメールの指示で海外の口座にお金を送ってしまった", "bec-payee-fraud"),
    (
        "銀行を名乗るメールのリンクからネットバンキングにログインしたら、預金が勝手に引き出されていた",
        "phishing-credentials",
    ),
    ("通販サイトを装ったメールでカード番号を入れてしまった", "phishing-credentials"),
    ("社用スマホをタクシーに忘れた", "lost-device"),
    ("取引先にメールを送るとき、宛先のアドレスを一文字間違えていた", "mail-misaddressed"),
    ("ホームページがハッキングされて変な外国語のページになっている", "website-defacement"),
    ("フェイスブックのページに勝手に広告が投稿されている", "sns-account-takeover"),
    ("辞めた人がまだ共有フォルダにアクセスできていた", "former-employee-insider"),
    ("Microsoft 365に海外からサインインされた記録がある", "credential-stuffing"),
    ("通販サイトが攻撃されてアクセスが殺到し落ちている", "ddos"),
    (
        "請求書を装ったメールの添付を開いたら、知り合いに私のアドレスから変なメールが届いている",
        "emotet-macro",
    ),
    ("ウイルス対策ソフトが、先週入れたフリーソフトをマルウェアと判定した", "fake-download-malware"),
    ("保存していたクラウドのファイルが全部なくなって事業者も戻せないという", "cloud-data-loss"),
    ("アンケートの回答データがGoogle検索に出てくる", "web-form-leak"),
    ("同僚が私のメールを勝手に見ているようだ", "mail-snooping"),
    ("リース返却したパソコンのデータを消していなかった", "used-pc-data-leak"),
    (
        "ECサイトのデータベースからカード情報が盗まれた。パッチを当てていなかった",
        "database-breach-unpatched",
    ),
    (
        "顧客データをUSBで持ち帰った社員の家のパソコンがウイルスに感染していた",
        "leak-despite-measures",
    ),
    ("パソコンの画面が真っ赤になって、支払わないとデータを消すと書いてある", "ransomware"),
    ("経理が偽の請求書に気づかず支払ってしまった", "bec-payee-fraud"),
    ("LINEで届いたリンクを開いてパスワードを入れたらアカウントを取られた", "phishing-credentials"),
    ("出張先のホテルでノートPCがなくなった", "lost-device"),
    ("お客様全員のアドレスが見える形でお知らせメールを送ってしまった", "mail-misaddressed"),
    ("WordPressのサイトに知らないページが追加されていた", "website-defacement"),
    ("公式Xアカウントから身に覚えのない投稿がされている", "sns-account-takeover"),
    ("元従業員が顧客リストを持ち出して競合に渡したらしい", "former-employee-insider"),
    ("ログイン通知が深夜に何度も来ている。パスワードは他と同じだった", "credential-stuffing"),
    ("サーバに大量のリクエストが来てサービスが応答しない", "ddos"),
    ("マクロ付きのExcelを開いてしまった", "emotet-macro"),
    (
        "重要なメールに添付されたファイルを開いたら社内のPCから外部へ通信していた",
        "targeted-attack-mail",
    ),
    ("パスワード付きのZIPファイルを誤って別の会社に送った", "ppap-misdelivery"),
    ("脆弱性が公表されていたのに更新しておらず、会員情報が抜かれた", "database-breach-unpatched"),
    ("クラウドの障害でデータが全部消えた", "cloud-data-loss"),
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
