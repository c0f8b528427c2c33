/**
 * What an approved request runs: the same service call the direct route makes, with the stored body checked
 * again by the route's own schema.
 */
import { issueAllowanceBody } from '@app/schemas/allowance';
import type { ApprovalAction } from '@app/schemas/approval';
import { voidInvoiceBody } from '@app/schemas/lifecycle';
import { resendBody } from '@app/schemas/turnkey';
import type { ModuleDeps } from '../../app.ts';
import { createAllowanceService } from '../allowance/allowance.service.ts';
import { createInvoiceLifecycleService } from '../invoice/lifecycle.service.ts';
import { createTurnkeyService } from '../turnkey/turnkey.service.ts';
import { type ActionRunner, createApprovalService } from './approval.service.ts';

export function approvalRunners(deps: Pick<ModuleDeps, 'db' | 'config' | 'now'>): Record<ApprovalAction, ActionRunner> {
  const lifecycle = createInvoiceLifecycleService(deps);
  const allowances = createAllowanceService(deps);
  const turnkey = createTurnkeyService(deps);
  return {
    'invoice.void': (trx, ctx, number, payload) => lifecycle.voidAndReissue(trx, ctx, number, voidInvoiceBody.parse(payload)),
    'allowance.issue': (trx, ctx, number, payload) => allowances.issue(trx, ctx, number, issueAllowanceBody.parse(payload)),
    'turnkey.resend': (trx, ctx, number, payload) => turnkey.resend(trx, ctx, number, resendBody.parse(payload)),
  };
}

/** The approval service with its runners: for the action routes (request) and the approval routes (decide). */
export const approvalService = (deps: Pick<ModuleDeps, 'db' | 'config' | 'tenant' | 'now'>) =>
  createApprovalService({ ...deps, runners: approvalRunners(deps) });
