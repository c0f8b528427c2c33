import * as accountArea from './areas/account.ts';
import * as approvalsArea from './areas/approvals.ts';
import * as auditArea from './areas/audit.ts';
import * as commonArea from './areas/common.ts';
import * as coreArea from './areas/core.ts';
import * as dashboardArea from './areas/dashboard.ts';
import * as devicesArea from './areas/devices.ts';
import * as errorsArea from './areas/errors.ts';
import * as importsArea from './areas/imports.ts';
import * as invoicesArea from './areas/invoices.ts';
import * as loginArea from './areas/login.ts';
import * as sellersArea from './areas/sellers.ts';
import * as systemArea from './areas/system.ts';
import * as tracksArea from './areas/tracks.ts';
import * as turnkeyArea from './areas/turnkey.ts';
import * as usersArea from './areas/users.ts';
import * as webhooksArea from './areas/webhooks.ts';
import type { Messages } from './zh-TW.ts';

/** English: the same keys as zh-TW, area by area (a missing or extra key is a type error). */
export const en: Messages = {
  ...coreArea.en,
  ...loginArea.en,
  ...dashboardArea.en,
  ...commonArea.en,
  ...sellersArea.en,
  ...devicesArea.en,
  ...usersArea.en,
  ...tracksArea.en,
  ...importsArea.en,
  ...invoicesArea.en,
  ...turnkeyArea.en,
  ...webhooksArea.en,
  ...auditArea.en,
  ...systemArea.en,
  ...approvalsArea.en,
  ...accountArea.en,
  ...errorsArea.en,
};
