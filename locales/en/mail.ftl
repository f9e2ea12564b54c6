you-can-see-where-your-request = You can see where your request stands at any time on this page:
mail-subject-confirm = Please confirm your e-mail address
mail-subject-received = We have received your request
mail-subject-identity_requested = Please send proof of identity
mail-subject-identity_verified = Your identity has been verified
mail-subject-identity_failed = We could not verify your identity
mail-subject-fee_requested = Please pay the fee
mail-subject-payment_received = We have received your payment
mail-subject-fee_reminder = The fee is due soon
mail-subject-fee_waived = The fee has been waived
mail-subject-clarification = We need a few details
mail-subject-message = A message about your request
mail-subject-extended = Notice of extension of the deadline
mail-subject-results_ready = Your results are ready to download
mail-subject-decision = Our decision on your request
mail-subject-withdrawn = Your request has been withdrawn
mail-subject-status_link = Your status page link
mail-subject-staff_new_case = A new request has arrived
mail-subject-staff_assigned = A case was assigned to you
mail-subject-staff_assigned_many = Several cases were assigned to you
mail-subject-staff_due_soon = A case is due soon
mail-subject-staff_overdue = A case is overdue
mail-subject-staff_documents = Identity documents were submitted
mail-subject-staff_identity_overdue = Identity documents have not arrived
mail-subject-staff_replied = The requester replied
mail-footer =
    { $org_name } — personal information desk
    { $window_hours }
    Phone { $window_phone } / E-mail { $window_email }
    This message was sent automatically from an address that does not receive replies.
mail-clarification =
    Dear { $name },

    To find the personal data your request { $reference } is about, please tell us the following (APPI Art. 37(2)).

    { $text }

    You can answer on your status page. While we wait for your answer, the clock towards the answer date is paused.
mail-confirm =
    Dear { $name },

    We have your request about personal information held by { $org_name }.
    To send it to us, open the link below and press "Confirm" on the page it shows.

    { $confirm_url }

    If you do not confirm within 72 hours, what you entered is deleted.
    If you did not make this request, please ignore this message.
mail-extended =
    Dear { $name },

    We must extend the date by which we will answer your request { $reference }.

    Previous answer date: { $due_on }
    New answer date: { $new_due_on }

    Why:
    { $text }

    We are sorry for the delay.
mail-fee-reminder-1 =
    Dear { $name },

    The fee for your request { $reference } is due by { $pay_by }.
    Still to pay: { $balance_yen } yen

    How to pay:
mail-fee-reminder-2 = - { $pm }
mail-fee-reminder-3 =
    { $payment_instructions }

    If we cannot confirm payment by that date, we may be unable to act on your request. If you have already paid, please disregard this reminder.
mail-fee-waived =
    Dear { $name },

    For request { $reference }, you do not need to pay the fee. We will go on with your request.
mail-identity-failed =
    Dear { $name },

    For request { $reference }, the documents we received did not let us verify: { $target }.

    Why:
    { $text }

    Please send a copy of another document to the address below, or bring it to our window:
    { $org_address }
mail-message =
    Dear { $name },

    A message from us about your request { $reference }:

    { $text }
mail-staff-documents =
    Documents were submitted for { $reference } ({ $target }). Check them on the case page:

    { $case_url }
mail-staff-due-soon =
    This case is due in { $days_left } business days.

    Reference: { $reference }
    Kind: { $kind }
    Due on: { $due_on }

    { $case_url }
mail-staff-identity-overdue =
    The identity documents asked for on { $received_on } for { $reference } have not arrived. Contact the requester, or consider closing the case as identity unverified.

    { $case_url }
mail-staff-overdue =
    This case is past its due date. Please check it, and tell the requester if the deadline must be extended.

    Reference: { $reference }
    Kind: { $kind }
    Due on: { $due_on }

    { $case_url }
mail-staff-replied =
    The requester of { $reference } has replied. Read it on the case page:

    { $case_url }
mail-status-link =
    Dear { $name },

    As you asked, here again is the link to the status page of your request { $reference }.
mail-withdrawn =
    Dear { $name },

    As you asked, we have withdrawn your request { $reference } and closed it.
    If you wish to ask again, please make a new request.
mail-decision-1 =
    Dear { $name },

    { $org_name }
    { $org_address }

    We have decided on your request { $reference } ({ $kind }, received on { $received_on }).

    Decision: { $outcome_label }
mail-decision-2 = We have done what you asked.
mail-decision-3 = {" "}Method of disclosure: { $delivery }.
mail-decision-4 = We hold no retained personal data that your request covers.
mail-decision-4-records = We hold no records of provision to third parties that your request covers (records past their legal retention period included).
mail-decision-5 = Reasons (APPI Art. 36):
mail-decision-6 = - { $label } (APPI { $basis })
mail-decision-6-plain = - { $label }
mail-decision-answer =
    { $answer }
mail-decision-notice = You can print the decision notice from your status page.
mail-results-ready =
    Dear { $name },

    The results of your request { $reference } are ready on your status page.
    Download them with the link below (until { $new_due_on }; after that their content is destroyed).
mail-decision-7 =
    Explanation:
    { $text }
mail-decision-8 =
    If you have questions about this decision or wish to complain, you may contact:
    - our personal information desk ({ $window_phone } / { $window_email })
mail-decision-9 = - the accredited personal information protection organisation: { $accredited_body }
mail-decision-10 = - the Personal Information Protection Commission, APPI consultation line 03-6457-9849
mail-identity-requested-1 =
    Dear { $name },

    Before we can answer request { $reference }, we need to confirm who is asking.

    What we need to confirm: { $target }

    Please send a copy of one of these:
    - Driver's licence
    - Passport
    - My Number card (front only; never send the back with the individual number)
    - Residence card, or special permanent resident certificate
    - Health insurance card (mask the insurer number, the symbol and number, and the QR code)
    - Certificate of residence without the individual number (you may mask the registered domicile)
    The notification card (通知カード) is not accepted as proof of identity.
mail-identity-requested-2 = As an agent, please also send your own proof of identity and a document showing your authority (an appointed agent: a power of attorney with the person's seal registration certificate; a legal representative: a family register, certificate of residence or certificate of guardianship).
mail-identity-requested-3 =
    A note from us:
    { $text }
mail-identity-requested-4 =
    You can send a photo or PDF (JPEG, PNG, PDF) from your status page below, post a copy to the address below, or bring it to our window:
    { $org_address }

    While we wait for your documents, the clock towards the answer date is paused.
mail-identity-verified-1 =
    Dear { $name },

    For request { $reference }, we have verified: { $target }.
mail-identity-verified-2 = Every identity check is now complete and we will go on with your request.
mail-identity-verified-3 = We will answer by: { $due_on }
mail-payment-received-1 =
    Dear { $name },

    For request { $reference }, we have received { $amount_yen } yen.
mail-payment-received-2 =
    { $balance_yen } yen is still missing. Please pay the rest.

    How to pay:
mail-payment-received-3 = - { $pm }
mail-payment-received-4 = { $payment_instructions }
mail-payment-received-5 = The fee is paid in full. { $credit_yen } yen is more than the fee and will be refunded to you.
mail-payment-received-6 = We hold this amount and will set it against the fee once it is fixed; anything beyond the fee will be refunded.
mail-payment-received-7 = The fee is now paid in full. Thank you; we will go on with your request.
mail-received-1 =
    Dear { $name },

    We have received your request.

    Reference: { $reference }
    Kind: { $kind }
    Received on: { $received_on }
mail-received-2 = We will answer by: { $due_on }
mail-received-3 = Answer date: we will tell you once your identity is verified
mail-received-4 =
    Please quote the reference whenever you contact us.
    We may ask you for proof of identity, or for a fee (purpose notices and disclosures only). If so, we will write to you again; while we wait for you, the answer date may move.
mail-staff-assigned-1 =
    This case was assigned to you.

    Reference: { $reference }
    Kind: { $kind }
mail-staff-assigned-2 = Due on: { $due_on }
mail-staff-assigned-3 = { $case_url }
mail-staff-assigned-many-1 = These { $count } cases were assigned to you (reference, kind, due on):
mail-staff-assigned-many-2 =
    Your cases:
    { $case_url }
mail-staff-new-case-1 =
    A new request has been received.

    Reference: { $reference }
    Kind: { $kind }
    Received on: { $received_on }
mail-staff-new-case-2 = Due on: { $due_on }
mail-staff-new-case-3 = { $case_url }
mail-status-link-2 = If you did not ask for this, please ignore this message.
mail-fee-requested-1 =
    Dear { $name },

    For request { $reference } ({ $kind }), the following fee applies (APPI Art. 38).

    Fee: { $amount_yen } yen
mail-fee-requested-2 = The payment you already sent covers it; nothing more is needed.
mail-fee-requested-3 =
    Please pay by: { $pay_by }

    How to pay:
mail-fee-requested-4 = - { $pm }
mail-fee-requested-5 =
    { $payment_instructions }

    Post to, or visit: { $org_address }

    Please write the reference { $reference } on your payment or letter.
    Until the payment reaches us, the clock towards the answer date is paused.
mail-subject-staff_login_failures = Repeated failed sign-ins
mail-staff-login-failures =
    Dear { $name },

    Signing in to your account ({ $account_email }) failed { $count } times in the last 15 minutes.

    If that was you mistyping, there is nothing to do.
    If not, someone is trying passwords. None of the failed attempts had your password. Further attempts are slowed down, and you can still sign in with your password. To be safe, make sure you do not use the same password elsewhere, and tell an administrator.

    { $case_url }
mail-subject-staff_password_reset = Set a new password
mail-staff-password-reset =
    Dear { $name },

    An administrator has issued a link to set a new password for your account ({ $account_email }). Open it and choose a new password. The link works once, for one hour.

    { $case_url }

    Once you set it, every other sign-in of yours ends. If you did not expect this, ignore this e-mail and tell an administrator.

mail-subject-staff_task_opened = Please search a system for a request
mail-subject-staff_task_overdue = A search for a request is overdue
mail-staff-task-opened-1 =
    You own a system that must be searched to answer this request. When you have searched it, mark it done on the case's checklist; if it does not apply, mark it not applicable and say why.

    System: { $target }
    Reference: { $reference }
    Kind: { $kind }
mail-staff-task-opened-2 = Search by: { $new_due_on }
mail-staff-task-opened-3 = { $case_url }
mail-staff-task-overdue =
    The search of this system for the request below is past its date and still open. Please search it and update the case's checklist: the request cannot be answered as granted until every search is finished.

    System: { $target }
    Reference: { $reference }
    Kind: { $kind }
    Search by: { $new_due_on }
    Case due on: { $due_on }

    { $case_url }
