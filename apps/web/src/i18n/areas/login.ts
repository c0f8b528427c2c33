/** Strings of the login area: Traditional Chinese first; English must have the same keys (a type error otherwise). */
export const zh = {
  'login.title': '登入',
  'login.username': '帳號',
  'login.password': '密碼',
  'login.submit': '登入',
  'login.submitting': '登入中…',
  'login.required': '請輸入{field}',
  'login.mfaTitle': '兩步驟驗證',
  'login.mfaHint': '請輸入驗證器 App 顯示的 6 位數驗證碼。',
  'login.mfaCode': '驗證碼',
  'login.mfaCodeFormat': '驗證碼為 6 位數字',
  'login.mfaSubmit': '驗證',
  'login.mfaBack': '返回重新登入',
} satisfies Record<string, string>;

export const en: Record<keyof typeof zh, string> = {
  'login.title': 'Sign in',
  'login.username': 'Username',
  'login.password': 'Password',
  'login.submit': 'Sign in',
  'login.submitting': 'Signing in…',
  'login.required': 'Enter your {field}',
  'login.mfaTitle': 'Two-step verification',
  'login.mfaHint': 'Enter the 6-digit code from your authenticator app.',
  'login.mfaCode': 'Code',
  'login.mfaCodeFormat': 'The code is 6 digits',
  'login.mfaSubmit': 'Verify',
  'login.mfaBack': 'Back to sign in',
};
