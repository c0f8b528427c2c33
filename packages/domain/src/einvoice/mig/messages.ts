/**
 * The MIG 4.1 messages this system writes — einvoice-domain.md §1.3 (roots and namespaces seen in the official
 * XSDs `v41/*.xsd`) — and the root element every builder opens.
 */
import { XmlWriter, XSI_NAMESPACE } from './xml.ts';

export const MIG_VERSION = '4.1';

export const MIG_MESSAGES = {
  F0401: { root: 'Invoice', title: '平台存證開立發票' },
  F0501: { root: 'CancelInvoice', title: '平台存證作廢發票' },
  F0701: { root: 'VoidInvoice', title: '平台存證註銷發票' },
  G0401: { root: 'Allowance', title: '平台存證開立折讓證明單' },
  G0501: { root: 'CancelAllowance', title: '平台存證作廢折讓證明單' },
  G0701: { root: 'VoidAllowance', title: '註銷折讓證明單' },
  E0401: { root: 'BranchTrack', title: '分支機構配號檔' },
  E0402: { root: 'BranchTrackBlank', title: '空白未使用字軌檔' },
} as const;

export type MigMessageType = keyof typeof MIG_MESSAGES;
export const MIG_MESSAGE_TYPES = Object.keys(MIG_MESSAGES) as MigMessageType[];

/** `urn:GEINV:eInvoiceMessage:F0401:4.1`. */
export const migNamespace = (type: MigMessageType): string => `urn:GEINV:eInvoiceMessage:${type}:${MIG_VERSION}`;

/**
 * A writer with the message's root element open: the MIG namespace as the default namespace, plus
 * `xsi:schemaLocation="<ns> <MSG>.xsd"` as [HO] sends it to Turnkey (einvoice-domain.md §1.3). The hint is not
 * needed for XSD validity; whether Turnkey requires it is unverified, so we keep what is known to be accepted.
 */
export function openMessage(type: MigMessageType): XmlWriter {
  const ns = migNamespace(type);
  return new XmlWriter().open(MIG_MESSAGES[type].root, {
    xmlns: ns,
    'xmlns:xsi': XSI_NAMESPACE,
    'xsi:schemaLocation': `${ns} ${type}.xsd`,
  });
}
