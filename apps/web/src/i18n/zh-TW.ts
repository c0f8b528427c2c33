/**
 * The primary dictionary: every string of the UI, in Traditional Chinese (Taiwan), gathered from one file per
 * area (`areas/*.ts`). Its keys are the type of all message keys (`MessageKey`); `en.ts` has exactly the
 * same ones. `{name}` marks a parameter.
 */

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

export const zhTW = {
  ...coreArea.zh,
  ...loginArea.zh,
  ...dashboardArea.zh,
  ...commonArea.zh,
  ...sellersArea.zh,
  ...devicesArea.zh,
  ...usersArea.zh,
  ...tracksArea.zh,
  ...importsArea.zh,
  ...invoicesArea.zh,
  ...turnkeyArea.zh,
  ...webhooksArea.zh,
  ...auditArea.zh,
  ...systemArea.zh,
  ...approvalsArea.zh,
  ...accountArea.zh,
  ...errorsArea.zh,
};

export type MessageKey = keyof typeof zhTW;
export type Messages = Record<MessageKey, string>;
