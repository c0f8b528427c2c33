import type { ComponentType } from 'react';
import type { MessageKey } from '../i18n/index.ts';

/**
 * The screens of the app, in menu order: one list drives both the routes and the main navigation, so a menu
 * entry is shown exactly when its page would let the user in. `permission`: any of them opens the page
 * (null: every signed-in user). Each area is its own chunk, loaded on first visit, and routes its own
 * sub-paths (`/invoices/AB12345678/proof`).
 */
export type Section = {
  path: string;
  label: MessageKey;
  permission: readonly string[] | null;
  load: () => Promise<{ default: ComponentType }>;
};

export const SECTIONS: readonly Section[] = [
  { path: 'invoices', label: 'nav.invoices', permission: ['invoice.read'], load: () => import('../invoices/index.tsx') },
  { path: 'tracks', label: 'nav.tracks', permission: ['invoice.read'], load: () => import('../tracks/index.tsx') },
  { path: 'imports', label: 'nav.imports', permission: ['import.upload'], load: () => import('../imports/index.tsx') },
  { path: 'turnkey', label: 'nav.turnkey', permission: ['turnkey.manage'], load: () => import('../turnkey/index.tsx') },
  { path: 'approvals', label: 'nav.approvals', permission: null, load: () => import('../approvals/index.tsx') },
  { path: 'sellers', label: 'nav.sellers', permission: null, load: () => import('../sellers/index.tsx') },
  { path: 'devices', label: 'nav.devices', permission: ['device.manage'], load: () => import('../devices/index.tsx') },
  { path: 'webhooks', label: 'nav.webhooks', permission: ['webhook.manage'], load: () => import('../webhooks/index.tsx') },
  { path: 'users', label: 'nav.users', permission: ['user.manage'], load: () => import('../users/index.tsx') },
  { path: 'audit', label: 'nav.audit', permission: ['audit.read'], load: () => import('../audit/index.tsx') },
  { path: 'system', label: 'nav.system', permission: ['ops.admin'], load: () => import('../system/index.tsx') },
  { path: 'account', label: 'nav.account', permission: null, load: () => import('../account/index.tsx') },
];

export const canOpen = (section: Pick<Section, 'permission'>, can: (p: string) => boolean) =>
  section.permission === null || section.permission.some(can);
