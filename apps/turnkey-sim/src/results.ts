/**
 * The platform's result files as Turnkey unpacks them (einvoice-domain.md §5.4 items 5–6).
 *
 * ProcessResult — one per uploaded pack, shaped by the official `common/v40/ProcessResult.xsd`
 * (namespace `urn:GEINV:ProcessResult:4.0`): RoutingInfo, MessageInfo{Id, Size, MessageType, Service, Action},
 * Result/Info per message {Code, Description, Parameter0 = reference number, Parameter1 = identifier date}.
 * Success is code `00000` 訊息存證成功 ([HO]); a rejection carries the platform code and its text.
 *
 * SummaryResult — one per sending party and day, with the element names REAL files use ([HO]'s parser and
 * [RS]'s tests agree): `Message/ResultType/{Total,Good,Failed}/ResultDetailType/{Count, Invoices/Invoice/
 * {ReferenceNumber, InvoiceDate}}` — the shipped XSD says `Result`/`Invocie` instead, so a SummaryResult
 * written here does not validate against it, on purpose. InvoiceDate is `yyyyMMdd` (the date part of the
 * INVOICE_IDENTIFIER), not the XSD's `xsd:date` (inferred from [HO], which concatenates it into identifiers).
 *
 * Invented (no public sample): MessageInfo/Service = the UpCast category (`B2SSTORAGE`, `B2PMESSAGE`),
 * Action = `Upload`, Size = the characters in the pack, To/ToVAC = `0000000000`, file names.
 */
import { type MessageType, PLATFORM_PARTY_ID } from './messages.ts';
import { renderXml, type XmlNode } from './xml.ts';

export const PROCESS_RESULT_NS = 'urn:GEINV:ProcessResult:4.0';
export const SUMMARY_RESULT_NS = 'urn:GEINV:SummaryResult:4.0';
export const MIG_VERSION = '4.1';

export type Pack = {
  uuid: string;
  /** Common name: `<MIG>-<MSG>-<yyyyMMdd>-<HHmmssSSS>-<UUID>` ([RS] filename grammar; [HO] parses it back). */
  id: string;
  messageType: MessageType;
  service: string;
  size: number;
  fromPartyId: string;
  fromRoutingId: string;
};

export function packId(messageType: string, day: string, time9: string, uuid: string): string {
  return `${MIG_VERSION}-${messageType}-${day}-${time9}-${uuid}`;
}

/** The pack date (`yyyyMMdd`) inside a common name. */
export function packDay(id: string): string {
  return id.split('-')[2] ?? '';
}

export type ResultEntry = { code: string; description: string; referenceNumber: string; date: string };

const routing = (p: { fromPartyId: string; fromRoutingId: string }): XmlNode => [
  'RoutingInfo',
  [
    ['From', [['PartyId', p.fromPartyId]]],
    ['FromVAC', [['RoutingId', p.fromRoutingId]]],
    ['To', [['PartyId', PLATFORM_PARTY_ID]]],
    ['ToVAC', [['RoutingId', PLATFORM_PARTY_ID]]],
  ],
];

const info = (pack: Pack): XmlNode[] => [
  ['Id', pack.id],
  ['Size', String(Math.max(1, pack.size))],
  ['MessageType', pack.messageType],
  ['Service', pack.service],
  ['Action', 'Upload'],
];

const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

export function processResultXml(pack: Pack, entries: readonly ResultEntry[]): string {
  const root: XmlNode = [
    'ProcessResult',
    [
      routing(pack),
      ['MessageInfo', info(pack)],
      [
        'Result',
        entries.map(
          (e): XmlNode => [
            'Info',
            [
              ['Code', e.code],
              ['Description', e.description],
              e.referenceNumber ? ['Parameter0', e.referenceNumber] : undefined,
              e.date ? ['Parameter1', e.date] : undefined,
            ],
          ],
        ),
      ],
    ],
    { xmlns: PROCESS_RESULT_NS },
  ];
  return DECLARATION + renderXml(root);
}

export type InvoiceRef = { referenceNumber: string; date: string };
export type SummaryMessage = { pack: Pack; good: readonly InvoiceRef[]; failed: readonly InvoiceRef[] };

/** [HO] skips invoice lists of E0402; B2P messages are counted without listing (their reference is not an invoice). */
const listsInvoices = (t: MessageType) => !t.startsWith('E');

function detail(refs: readonly InvoiceRef[], list: boolean): XmlNode {
  return [
    'ResultDetailType',
    [
      ['Count', String(refs.length)],
      list && refs.length > 0
        ? [
            'Invoices',
            refs.map(
              (r): XmlNode => [
                'Invoice',
                [
                  ['ReferenceNumber', r.referenceNumber],
                  ['InvoiceDate', r.date],
                ],
              ],
            ),
          ]
        : undefined,
    ],
  ];
}

export function summaryResultXml(
  party: { fromPartyId: string; fromRoutingId: string },
  messages: readonly SummaryMessage[],
): string {
  const root: XmlNode = [
    'SummaryResult',
    [
      routing(party),
      [
        'DetailList',
        messages.map((m): XmlNode => {
          const list = listsInvoices(m.pack.messageType);
          return [
            'Message',
            [
              ['Info', info(m.pack)],
              [
                'ResultType',
                [
                  ['Total', [detail([...m.good, ...m.failed], list)]],
                  ['Good', [detail(m.good, list)]],
                  ['Failed', [detail(m.failed, list)]],
                ],
              ],
            ],
          ];
        }),
      ],
    ],
    { xmlns: SUMMARY_RESULT_NS },
  ];
  return DECLARATION + renderXml(root);
}

/** An InvoiceEnvelope of E0501 InvoiceAssignNo entries, as Turnkey leaves downloaded allocations in Unpack/BAK/E0501. */
export type E0501Entry = {
  ban: string;
  invoiceType: string;
  yearMonth: string;
  invoiceTrack: string;
  invoiceBeginNo: string;
  invoiceEndNo: string;
  invoiceBooklet: string;
};

export function e0501EnvelopeXml(party: { partyId: string; routingId: string }, entries: readonly E0501Entry[]): string {
  const root: XmlNode = [
    'InvoiceEnvelope',
    [
      // [HO] and the product's E0501 reader take From/PartyId as the seller BAN and FromVAC/RoutingId as its routing id.
      ['From', [['PartyId', party.partyId]]],
      ['FromVAC', [['RoutingId', party.routingId]]],
      ['To', [['PartyId', party.partyId]]],
      ['ToVAC', [['RoutingId', party.routingId]]],
      [
        'InvoicePack',
        entries.map(
          (e): XmlNode => [
            'InvoiceAssignNo',
            [
              ['Ban', e.ban],
              ['InvoiceType', e.invoiceType],
              ['YearMonth', e.yearMonth],
              ['InvoiceTrack', e.invoiceTrack],
              ['InvoiceBeginNo', e.invoiceBeginNo],
              ['InvoiceEndNo', e.invoiceEndNo],
              ['InvoiceBooklet', e.invoiceBooklet],
            ],
            { xmlns: 'urn:GEINV:E0501:4.0' },
          ],
        ),
        { count: String(entries.length), messageType: 'E0501', version: 'v41' },
      ],
    ],
    { xmlns: 'urn:GEINV:InvoiceEnvelope:4.1' },
  ];
  return DECLARATION + renderXml(root);
}
