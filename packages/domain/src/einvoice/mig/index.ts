/**
 * MIG 4.1 XML builders: pure functions from typed input to the message's XML text (einvoice-domain.md §1–3).
 * Validate the output against the official XSDs with `@app/xsd` (packages/xsd).
 */
export {
  type BlankRun,
  type BranchTrackKey,
  buildE0401,
  buildE0402,
  type E0401Input,
  E0402_MAX_ITEMS,
  type E0402Input,
  groupBlankRuns,
} from './branch-track.ts';
export { buildF0401, type F0401Amount, type F0401Input, type F0401Item } from './f0401.ts';
export {
  type DateInput,
  DECIMAL_13_5,
  DECIMAL_20_7,
  type DecimalFacets,
  type DecimalInput,
  INTEGER_20,
  MigValueError,
  type MoneyInput,
  migDate,
  migDecimal,
  migMoney,
  migTime,
} from './format.ts';
export { buildG0401, type G0401Input, type G0401Item } from './g0401.ts';
export { MIG_MESSAGE_TYPES, MIG_MESSAGES, MIG_VERSION, type MigMessageType, migNamespace } from './messages.ts';
export { B2C_BUYER_NAME, buyerIdentifier, buyerName, type MigBuyer, type MigPartyDetails, type MigSeller } from './party.ts';
export {
  buildF0501,
  buildF0701,
  buildG0501,
  buildG0701,
  type F0501Input,
  type F0701Input,
  type G0501Input,
  type G0701Input,
} from './withdrawal.ts';
export { xmlText } from './xml.ts';
