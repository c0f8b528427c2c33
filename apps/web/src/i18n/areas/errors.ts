/**
 * Strings of the errors area: the GlobalErrorBoundary's panel (`errors.*`), and our own words for API error
 * codes the screens of approvals, account and system meet (`error.<CODE>`, read by `errorText`).
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
  'error.APPROVAL_SELF': '不能核准自己提出的申請，請由其他具審核權限的同仁核准',
  'error.APPROVAL_DECIDED': '這筆申請已經有人處理過（核准、駁回或撤回），清單已更新',
  'error.MFA_ENROLLMENT_REQUIRED': '您的角色必須使用兩步驟驗證，請先到「我的帳號」完成設定',
  'error.MFA_ALREADY_ENABLED': '兩步驟驗證已經啟用',
  'error.MFA_NOT_ENROLLED': '尚未開始設定兩步驟驗證，請重新開始',
  'error.EMAIL_DISABLED': '本系統未設定郵件伺服器，無法寄送電子郵件',
  'error.EMAIL_ADDRESS_MISSING': '您的帳號沒有電子郵件地址，請洽管理員設定',
  'error.LOGIN_LOCKED': '嘗試次數過多，帳號暫時鎖定，請稍後再試',
} satisfies Record<string, string>;

export const en: Record<keyof typeof zh, string> = {
  'errors.boundary.title': 'Something went wrong on this screen',
  'errors.boundary.body': 'This screen ran into an unexpected error. Reload the page; if it keeps happening, contact support.',
  'errors.boundary.reportId': 'Reported automatically; error report number: {id}',
  'errors.boundary.reload': 'Reload',
  'errors.boundary.contact': 'Contact support',
  'errors.boundary.supportText': 'Support: {email} (please quote the error report number)',
  'errors.boundary.mailSubject': 'E-invoice error report (number {id})',
  'error.APPROVAL_SELF': 'You cannot approve your own request; another user who may approve has to',
  'error.APPROVAL_DECIDED': 'This request was already decided (approved, rejected or withdrawn); the list is up to date now',
  'error.MFA_ENROLLMENT_REQUIRED': 'Your role requires two-step verification: set it up under "My account" first',
  'error.MFA_ALREADY_ENABLED': 'Two-step verification is already on',
  'error.MFA_NOT_ENROLLED': 'Two-step verification set-up has not started; start again',
  'error.EMAIL_DISABLED': 'This system has no mail server set up; no e-mail can be sent',
  'error.EMAIL_ADDRESS_MISSING': 'Your account has no e-mail address; ask an administrator to set one',
  'error.LOGIN_LOCKED': 'Too many attempts; the account is locked for a while, try again later',
};
