you-can-see-where-your-request = 手続の状況は、次のページでいつでもご確認いただけます。
mail-subject-confirm = メールアドレスの確認のお願い
mail-subject-received = ご請求を受け付けました
mail-subject-identity_requested = 本人確認書類のご提出のお願い
mail-subject-identity_verified = 本人確認ができました
mail-subject-identity_failed = 本人確認ができませんでした
mail-subject-fee_requested = 手数料のお支払いのお願い
mail-subject-payment_received = 手数料の入金を確認しました
mail-subject-fee_reminder = 手数料のお支払い期限が近づいています
mail-subject-fee_waived = 手数料を免除しました
mail-subject-clarification = ご請求内容の確認のお願い
mail-subject-message = 担当者からのご連絡
mail-subject-extended = 回答期限の延長のお知らせ（延長通知）
mail-subject-decision = ご請求に対する決定のお知らせ
mail-subject-results_ready = 開示結果をダウンロードいただけます
mail-subject-withdrawn = ご請求の取下げを承りました
mail-subject-status_link = 状況確認ページのご案内
mail-subject-staff_new_case = 新しい請求が届きました
mail-subject-staff_assigned = 担当に割り当てられました
mail-subject-staff_assigned_many = 複数の請求の担当に割り当てられました
mail-subject-staff_due_soon = 回答期限が近づいています
mail-subject-staff_overdue = 回答期限を過ぎた請求があります
mail-subject-staff_documents = 本人確認書類が提出されました
mail-subject-staff_identity_overdue = 本人確認書類が届いていません
mail-subject-staff_replied = ご本人から返信がありました
mail-footer =
    { $org_name } 個人情報お問い合わせ窓口
    { $window_hours }
    電話 { $window_phone } / メール { $window_email }
    このメールは送信専用のアドレスから自動で送られています。
mail-clarification =
    { $name } 様

    受付番号 { $reference } のご請求について、対象となる個人データを特定するため、次の点を教えてください（個人情報保護法第37条第2項）。

    { $text }

    状況確認ページからご返信いただけます。ご返信をお待ちしている間は、回答予定日までの日数の計算を止めています。
mail-confirm =
    { $name } 様

    { $org_name }への個人情報に関するご請求をお預かりしました。
    ご請求を受け付けるため、次のリンクを開き、表示されるページの「確認する」ボタンを押してください。

    { $confirm_url }

    72時間以内に確認されない場合、お預かりした内容は削除されます。
    お心当たりがない場合は、このメールを破棄してください。
mail-extended =
    { $name } 様

    受付番号 { $reference } のご請求について、回答予定日を次のとおり延長させていただきます。

    これまでの回答予定日：{ $due_on }
    新しい回答予定日：{ $new_due_on }

    延長の理由：
    { $text }

    ご迷惑をおかけし申し訳ありません。
mail-fee-reminder-1 =
    { $name } 様

    受付番号 { $reference } のご請求について、手数料のお支払い期限（{ $pay_by }）が近づいています。
    まだ入金を確認できていない金額：{ $balance_yen }円

    お支払い方法：
mail-fee-reminder-2 = ・{ $pm }
mail-fee-reminder-3 =
    { $payment_instructions }

    期限までにお支払いを確認できない場合、手数料の未納を理由に、ご請求に応じられないことがあります。すでにお支払いいただいている場合は、行き違いですのでご容赦ください。
mail-fee-waived =
    { $name } 様

    受付番号 { $reference } のご請求について、手数料のお支払いは不要となりました。ご請求への対応を進めます。
mail-identity-failed =
    { $name } 様

    受付番号 { $reference } のご請求について、お送りいただいた書類では{ $target }の確認ができませんでした。

    理由：
    { $text }

    お手数ですが、上記をご確認のうえ、別の書類の写しを次の住所へご郵送いただくか、窓口にお持ちください。
    { $org_address }
mail-message =
    { $name } 様

    受付番号 { $reference } のご請求について、担当者からのご連絡です。

    { $text }
mail-staff-documents =
    受付番号 { $reference } に書類が提出されました（{ $target }）。ケースのページで確認してください。

    { $case_url }
mail-staff-due-soon =
    次の請求の回答期限が近づいています（あと{ $days_left }営業日）。

    受付番号：{ $reference }
    種類：{ $kind }
    回答期限：{ $due_on }

    { $case_url }
mail-staff-identity-overdue =
    受付番号 { $reference } で { $received_on } に依頼した本人確認書類が、まだ届いていません。ご本人に確認するか、「本人確認ができない」理由での完了を検討してください。

    { $case_url }
mail-staff-overdue =
    次の請求が回答期限を過ぎました。対応状況を確認し、必要なら期限の延長をご本人に通知してください。

    受付番号：{ $reference }
    種類：{ $kind }
    回答期限：{ $due_on }

    { $case_url }
mail-staff-replied =
    受付番号 { $reference } のご本人から返信がありました。内容はケースのページでご確認ください。

    { $case_url }
mail-status-link =
    { $name } 様

    受付番号 { $reference } のご請求の状況確認ページのリンクを、ご依頼によりお送りします。
mail-withdrawn =
    { $name } 様

    受付番号 { $reference } のご請求について、取下げのお申し出を承り、手続を終了しました。
    改めてご請求いただく場合は、お手数ですが新たにお申し込みください。
mail-decision-1 =
    { $name } 様

    { $org_name }
    { $org_address }

    受付番号 { $reference }（{ $kind }、受付日 { $received_on }）のご請求について、次のとおり決定しましたのでお知らせします。

    決定：{ $outcome_label }
mail-decision-2 = ご請求のとおり対応しました。
mail-decision-3 = 開示の方法：{ $delivery }
mail-decision-4 = ご請求の対象となる保有個人データは、当社にはありませんでした。
mail-decision-4-records = ご請求の対象となる第三者提供記録は、当社にはありませんでした（法令の定める保存期間を経過した記録を含みます）。
mail-decision-5 = 理由（個人情報保護法第36条）：
mail-decision-6 = ・{ $label }（個人情報保護法{ $basis }）
mail-decision-6-plain = ・{ $label }
mail-decision-answer =
    { $answer }
mail-decision-notice = 決定通知書は状況確認ページから印刷できます。
mail-results-ready =
    { $name } 様

    受付番号 { $reference } のご請求について、開示する結果を状況確認ページに用意しました。
    次のリンクからダウンロードいただけます（{ $new_due_on } まで。期限を過ぎると内容は消去されます）。
mail-decision-7 =
    説明：
    { $text }
mail-decision-8 =
    この決定にご不明な点やご不満がある場合は、次の窓口にお申し出いただけます。
    ・当社の個人情報お問い合わせ窓口（{ $window_phone } / { $window_email }）
mail-decision-9 = ・認定個人情報保護団体：{ $accredited_body }
mail-decision-10 = ・個人情報保護委員会 個人情報保護法相談ダイヤル 03-6457-9849
mail-identity-requested-1 =
    { $name } 様

    受付番号 { $reference } のご請求について、ご本人確認のため書類のご提出をお願いします。

    確認の対象：{ $target }

    お送りいただける書類（いずれか1点の写し）
    ・運転免許証
    ・パスポート
    ・マイナンバーカード（表面のみ。裏面の個人番号は送らないでください）
    ・在留カード、特別永住者証明書
    ・健康保険証・資格確認書（保険者番号、記号・番号、QRコードを必ず隠してください）
    ・住民票の写し（個人番号の記載のないもの。本籍は隠していただいて構いません）
    通知カードは本人確認書類としてお使いいただけません。
mail-identity-requested-2 = 代理人によるご請求の場合は、代理人ご自身の本人確認書類に加え、代理権を確認できる書類（任意代理人：委任状と、ご本人の印鑑登録証明書／法定代理人：戸籍謄本、住民票の写し、登記事項証明書など）もお送りください。
mail-identity-requested-3 =
    担当者より：
    { $text }
mail-identity-requested-4 =
    下の状況確認ページから写真やPDFをお送りいただけます（JPEG・PNG・PDF）。郵送の場合は次の住所へ、または窓口にお持ちください。
    { $org_address }

    書類をお待ちしている間は、回答予定日までの日数の計算を止めています。
mail-identity-verified-1 =
    { $name } 様

    受付番号 { $reference } のご請求について、{ $target }の確認ができました。
mail-identity-verified-2 = 必要な本人確認はすべて完了しました。ご請求への対応を進めます。
mail-identity-verified-3 = 回答予定日：{ $due_on }まで
mail-payment-received-1 =
    { $name } 様

    受付番号 { $reference } のご請求について、{ $amount_yen }円の入金を確認しました。
mail-payment-received-2 =
    まだ { $balance_yen }円が不足しています。お手数ですが、残りの金額のお支払いをお願いします。

    お支払い方法：
mail-payment-received-3 = ・{ $pm }
mail-payment-received-4 = { $payment_instructions }
mail-payment-received-5 = 手数料のお支払いは完了しました。いただいた金額のうち { $credit_yen }円は手数料を超えているため、返金いたします。
mail-payment-received-6 = お預かりした金額は、手数料が確定した時点で充当し、超える分は返金いたします。
mail-payment-received-7 = お支払いは完了しました。ありがとうございます。ご請求への対応を進めます。
mail-received-1 =
    { $name } 様

    次のとおりご請求を受け付けました。

    受付番号：{ $reference }
    請求の種類：{ $kind }
    受付日：{ $received_on }
mail-received-2 = 回答予定日：{ $due_on }まで
mail-received-3 = 回答予定日：本人確認の完了後にお知らせします
mail-received-4 =
    お問い合わせの際は受付番号をお知らせください。
    ご本人確認のための書類や、手数料のお支払い（利用目的の通知・開示の場合）をお願いすることがあります。その場合は改めてメールでご案内します。ご案内している間は、回答予定日が延びることがあります。
mail-staff-assigned-1 =
    次の請求の担当に割り当てられました。

    受付番号：{ $reference }
    種類：{ $kind }
mail-staff-assigned-2 = 回答予定日：{ $due_on }
mail-staff-assigned-3 = { $case_url }
mail-staff-assigned-many-1 = 次の{ $count }件の請求の担当に割り当てられました（受付番号・種類・回答予定日）。
mail-staff-assigned-many-2 =
    担当の請求の一覧：
    { $case_url }
mail-staff-new-case-1 =
    新しい請求を受け付けました。

    受付番号：{ $reference }
    種類：{ $kind }
    受付日：{ $received_on }
mail-staff-new-case-2 = 回答予定日：{ $due_on }
mail-staff-new-case-3 = { $case_url }
mail-status-link-2 = このご依頼にお心当たりがない場合は、このメールを破棄してください。
mail-fee-requested-1 =
    { $name } 様

    受付番号 { $reference } のご請求（{ $kind }）について、個人情報保護法第38条に基づき、次の手数料をいただきます。

    手数料：{ $amount_yen }円
mail-fee-requested-2 = この金額は、すでにお送りいただいたお支払いで確認できています。追加のお支払いは不要です。
mail-fee-requested-3 =
    お支払い期限：{ $pay_by }

    お支払い方法：
mail-fee-requested-4 = ・{ $pm }
mail-fee-requested-5 =
    { $payment_instructions }

    郵送先・窓口：{ $org_address }

    お振込みやご郵送の際は、受付番号 { $reference } をお書き添えください。
    入金を確認するまでの間、回答予定日までの日数の計算を止めています。
mail-subject-staff_login_failures = サインインの失敗が続いています
mail-staff-login-failures =
    { $name } 様

    あなたのアカウント（{ $account_email }）へのサインインが、この15分のあいだに { $count } 回失敗しました。

    ご自身の入力間違いであれば、何もする必要はありません。
    心当たりがない場合は、だれかがパスワードを試しています。失敗した試行ではパスワードは一致していません。これ以降の試行は遅らせていますが、正しいパスワードでのサインインは引き続きできます。念のため、他のサービスと同じパスワードを使っていないか確かめ、管理者に知らせてください。

    { $case_url }
mail-subject-staff_password_reset = パスワードの再設定
mail-staff-password-reset =
    { $name } 様

    管理者が、あなたのアカウント（{ $account_email }）のパスワード再設定のリンクを発行しました。次のリンクを開き、新しいパスワードを決めてください。リンクは1時間だけ、1回だけ使えます。

    { $case_url }

    パスワードを決めると、ほかの端末でのサインインはすべて終了します。心当たりがない場合は、このメールを無視し、管理者に知らせてください。

mail-subject-staff_task_opened = 個人データの検索を依頼します
mail-subject-staff_task_overdue = 個人データの検索が期限を過ぎています
mail-staff-task-opened-1 =
    あなたが管理責任者のシステムについて、次の請求に応じるための検索をお願いします。検索したら案件画面のチェックリストで「完了」に、該当しない場合は理由を添えて「該当なし」にしてください。

    システム：{ $target }
    受付番号：{ $reference }
    種類：{ $kind }
mail-staff-task-opened-2 = 検索の期限：{ $new_due_on }
mail-staff-task-opened-3 = { $case_url }
mail-staff-task-overdue =
    次の請求のための個人データの検索が、期限を過ぎてもまだ完了していません。検索を済ませて、案件画面のチェックリストを更新してください。すべての検索が終わるまで、この請求に「対応」の回答はできません。

    システム：{ $target }
    受付番号：{ $reference }
    種類：{ $kind }
    検索の期限：{ $new_due_on }
    回答期限：{ $due_on }

    { $case_url }
