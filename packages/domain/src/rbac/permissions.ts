/** Every permission the system knows. Routes declare one of these; roles bundle them. */
export const PERMISSIONS = {
  'invoice.issue': 'Issue invoices',
  'invoice.read': 'Read invoices and their status',
  'invoice.cancel': 'Cancel (作廢) invoices',
  'invoice.void': 'Void (註銷) invoices',
  'allowance.issue': 'Issue and cancel allowances (折讓)',
  'track.manage': 'Import E0501 allocations and manage tracks and blocks',
  'import.upload': 'Upload import files',
  'turnkey.manage': 'Manage the Turnkey pipeline: resend, dead letters',
  'webhook.manage': 'Manage webhook subscriptions',
  'user.manage': 'Manage users, roles, API clients and data scopes',
  'seller.manage': 'Manage sellers (BAN, address, QR key) and their sites',
  'device.manage': 'Manage devices',
  'audit.read': 'Read and export the audit log',
  'ops.admin': 'Operations: metrics, maintenance, system settings',
  approve: 'Approve requests made by other users (two-step approval)',
} as const;

export type Permission = keyof typeof PERMISSIONS;
export const ALL_PERMISSIONS = Object.keys(PERMISSIONS) as Permission[];

export const isPermission = (s: string): s is Permission => Object.hasOwn(PERMISSIONS, s);

/**
 * Built-in roles, created by the seed and kept in sync with this list. Tenants may add their own roles;
 * these are marked `is_system` and their permissions are owned by the code.
 */
export const SYSTEM_ROLES = {
  admin: { name: 'Administrator', description: 'Everything', permissions: ALL_PERMISSIONS },
  operator: {
    name: 'Back-office operator',
    description: 'Day-to-day e-invoice work',
    permissions: [
      'invoice.issue',
      'invoice.read',
      'invoice.cancel',
      'invoice.void',
      'allowance.issue',
      'track.manage',
      'import.upload',
      'turnkey.manage',
    ],
  },
  approver: { name: 'Approver', description: 'Approves requests of others', permissions: ['invoice.read', 'approve'] },
  auditor: {
    name: 'Auditor',
    description: 'Read-only access to invoices and the audit log',
    permissions: ['invoice.read', 'audit.read'],
  },
  pos: { name: 'POS terminal', description: 'Machine client of a POS terminal', permissions: ['invoice.issue', 'invoice.read'] },
  erp: {
    name: 'ERP integration',
    description: 'Machine client of an ERP system',
    permissions: ['invoice.issue', 'invoice.read', 'invoice.cancel', 'allowance.issue', 'import.upload'],
  },
} as const satisfies Record<string, { name: string; description: string; permissions: readonly Permission[] }>;

export type SystemRoleCode = keyof typeof SYSTEM_ROLES;
