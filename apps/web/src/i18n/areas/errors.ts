/**
 * Strings of the errors area: the GlobalErrorBoundary's panel (`errors.*`), and our own words for API error
 * codes (`error.<CODE>`, read by `errorText` on every screen). BLOCK_OVERLAP, BLOCK_OUTSIDE_RANGE and
 * NO_FREE_NUMBERS are worded where they arise (allocating a block: `tracks.error.*`).
 * Traditional Chinese first; English must have the same keys (a type error otherwise).
 */
export const zh = {
  'errors.boundary.title': '畫面發生錯誤',
  'errors.boundary.body': '這個畫面發生了非預期的錯誤。請重新載入頁面；若問題持續發生，請聯絡客服。',
  'errors.boundary.reportId': '已自動回報，錯誤回報編號：{id}',
  'errors.boundary.reload': '重新載入',
  'errors.boundary.contact': '聯絡客服',
  'errors.boundary.supportText': '客服信箱：{email}（來信請附上錯誤回報編號）',
  'errors.boundary.mailSubject': '電子發票系統錯誤回報（編號 {id}）',
  'error.MAINTENANCE': '系統維護中（唯讀），暫時無法新增或修改，請稍後再試',
  'error.LICENSE_EXPIRED': '授權已到期，系統目前為唯讀',
  'error.APPROVAL_SELF': '不能核准自己提出的申請，請由其他具審核權限的同仁核准',
  'error.APPROVAL_DECIDED': '這筆申請已經有人處理過（核准、駁回或撤回），清單已更新',
  'error.MFA_ENROLLMENT_REQUIRED': '您的角色必須使用兩步驟驗證，請先到「我的帳號」完成設定',
  'error.MFA_ALREADY_ENABLED': '兩步驟驗證已經啟用',
  'error.MFA_NOT_ENROLLED': '尚未開始設定兩步驟驗證，請重新開始',
  'error.EMAIL_DISABLED': '本系統未設定郵件伺服器，無法寄送電子郵件',
  'error.EMAIL_ADDRESS_MISSING': '您的帳號沒有電子郵件地址，請洽管理員設定',
  'error.LOGIN_LOCKED': '嘗試次數過多，帳號暫時鎖定，請稍後再試',
  'error.APPROVAL_PENDING': '這張發票的同一項操作已在等待審核，請到「審核」查看那筆申請，不必重複送出',
  'error.NOTHING_TO_RESEND': '這張發票沒有被退回、無效或交付失敗的 Turnkey 訊息可以重新傳送（或不在您的資料範圍內）',
  'error.WEBHOOK_TARGET_REFUSED':
    'Webhook 網址不被接受：須為 http 或 https、不含帳號密碼或「#」片段、能解析，且不可指向內部位址（本機、私有網段、雲端中繼資料等）',
  'error.WEBHOOK_RISK_NOT_ACKNOWLEDGED':
    '「僅限來源 IP」模式不附任何憑證，任何能連到接收端的人都能偽造事件；須勾選確認了解此風險才能使用（只限內部網路）',
  'error.DEAD_LETTER_ALREADY_RETRIED': '這筆失敗的背景工作已經放回佇列重試過；若再次失敗，會列為一筆新的失敗工作',
  'error.SELLER_QR_KEY_MISSING': '此營業人尚未設定 QR Code AES 金鑰，請到「營業人與據點」設定後再試',
} satisfies Record<string, string>;

export const en: Record<keyof typeof zh, string> = {
  'errors.boundary.title': 'Something went wrong on this screen',
  'errors.boundary.body': 'This screen ran into an unexpected error. Reload the page; if it keeps happening, contact support.',
  'errors.boundary.reportId': 'Reported automatically; error report number: {id}',
  'errors.boundary.reload': 'Reload',
  'errors.boundary.contact': 'Contact support',
  'errors.boundary.supportText': 'Support: {email} (please quote the error report number)',
  'errors.boundary.mailSubject': 'E-invoice error report (number {id})',
  'error.MAINTENANCE': 'The system is in maintenance (read-only); adding and changing is not possible right now, try again later',
  'error.LICENSE_EXPIRED': 'The license has expired: the system is read-only',
  'error.APPROVAL_SELF': 'You cannot approve your own request; another user who may approve has to',
  'error.APPROVAL_DECIDED': 'This request was already decided (approved, rejected or withdrawn); the list is up to date now',
  'error.MFA_ENROLLMENT_REQUIRED': 'Your role requires two-step verification: set it up under "My account" first',
  'error.MFA_ALREADY_ENABLED': 'Two-step verification is already on',
  'error.MFA_NOT_ENROLLED': 'Two-step verification set-up has not started; start again',
  'error.EMAIL_DISABLED': 'This system has no mail server set up; no e-mail can be sent',
  'error.EMAIL_ADDRESS_MISSING': 'Your account has no e-mail address; ask an administrator to set one',
  'error.LOGIN_LOCKED': 'Too many attempts; the account is locked for a while, try again later',
  'error.APPROVAL_PENDING':
    'The same action on this invoice is already waiting for approval; find that request under "Approvals" instead of asking again',
  'error.NOTHING_TO_RESEND':
    'This invoice has no rejected, invalid or undelivered Turnkey message to resend (or it is outside your data scope)',
  'error.WEBHOOK_TARGET_REFUSED':
    'The webhook URL is refused: it must be http or https, without credentials or a "#" fragment, resolvable, and not an internal address (loopback, private network, cloud metadata …)',
  'error.WEBHOOK_RISK_NOT_ACKNOWLEDGED':
    'Mode "source IP only" sends no credential at all, so anyone who can reach the receiver can forge events; tick the box accepting that risk to use it (internal networks only)',
  'error.DEAD_LETTER_ALREADY_RETRIED':
    'This failed background job was already put back in its queue; if it fails again it becomes a new failed job',
  'error.SELLER_QR_KEY_MISSING': 'The seller has no QR code AES key yet; set it under "Sellers and sites", then try again',
};
