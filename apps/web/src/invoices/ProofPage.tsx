/**
 * The printable proof (電子發票證明聯, print-and-protocols.md §2.1): 57 mm wide, the period and number large,
 * time, random number and total, the BANs, the Code 39 barcode and the two QR codes side by side, the same
 * size and top-aligned. The codes' contents come from the API (GET /api/v1/invoices/{number}/proof); only
 * their drawing happens here. A cancelled or voided invoice gets a clear mark instead of a usable proof.
 */
import type { InvoiceProofView } from '@app/schemas/invoice';
import { Link, useParams } from 'react-router';
import { useApiQuery } from '../api/hooks.ts';
import { useI18n } from '../i18n/index.ts';
import { QueryState } from '../ui/QueryState.tsx';
import { code39Layout } from './code39.ts';
import { type QrMatrix, qrPair, qrPath } from './qr.ts';
import { dashedNumber, taipeiStamp } from './shared.tsx';

const NUMBER_RE = /^[A-Z]{2}\d{8}$/;
/** The QR codes' quiet zone, in modules. */
const QR_QUIET = 4;

/** The page size while printing; a <style> of this page only, so other pages print on their own paper. */
const PRINT_CSS = '@media print { @page { size: 57mm 90mm; margin: 0; } }';

export function ProofPage() {
  const { t } = useI18n();
  const { number = '' } = useParams();
  const valid = NUMBER_RE.test(number);
  const proof = useApiQuery<InvoiceProofView>(valid ? `/api/v1/invoices/${number}/proof` : null);

  return (
    <>
      <style>{PRINT_CSS}</style>
      <div className="no-print">
        <p>
          <Link to={valid ? `/invoices/${number}` : '/invoices'}>{t('invoices.proof.back')}</Link>
        </p>
        <h1>{t('invoices.proof.pageTitle', { number })}</h1>
      </div>
      {!valid ? (
        <p role="alert">{t('invoices.detail.badNumber')}</p>
      ) : (
        <QueryState query={proof} loading={t('invoices.proof.loading')}>
          {(p) => <ProofView proof={p} />}
        </QueryState>
      )}
    </>
  );
}

function ProofView({ proof: p }: { proof: InvoiceProofView }) {
  // A proof printed at issue (print mark Y) is printed again as a reprint (補印).
  const printMark = p.printMark;
  const { t } = useI18n();
  if (p.status !== 'issued') {
    return (
      <div className="inv-proof inv-proof-ended" role="alert">
        <p className="inv-proof-mark">{t(`invoices.proof.mark.${p.status}`)}</p>
        <p className="inv-proof-number">{dashedNumber(p.invoiceNumber)}</p>
        <p>{t(`invoices.proof.ended.${p.status}`)}</p>
      </div>
    );
  }
  const reprint = printMark === 'Y';
  return (
    <>
      {printMark !== 'Y' && (
        <p className="no-print inv-warning" role="note">
          {t('invoices.proof.notPrinted')}
        </p>
      )}
      <div className="actions no-print inv-print-actions">
        <button type="button" className="primary" onClick={() => window.print()}>
          {t('invoices.proof.print')}
        </button>
      </div>
      <article className="inv-proof" aria-label={t('invoices.proof.label', { number: dashedNumber(p.invoiceNumber) })}>
        <p className="inv-proof-seller">{p.sellerName}</p>
        <h2 className="inv-proof-title">
          {t('invoices.proof.title')}
          {reprint && <span className="inv-proof-reprint">{t('invoices.proof.reprint')}</span>}
        </h2>
        <p className="inv-proof-period">{p.periodLabel}</p>
        <p className="inv-proof-number">{dashedNumber(p.invoiceNumber)}</p>
        <p className="inv-proof-line">
          <span>{taipeiStamp(p.invoiceTime)}</span>
          {p.buyerBan && <span>{t('invoices.proof.format25')}</span>}
        </p>
        <p className="inv-proof-line">
          <span>{t('invoices.proof.random', { random: p.randomNumber })}</span>
          <span>{t('invoices.proof.total', { total: p.totalAmount })}</span>
        </p>
        <p className="inv-proof-line">
          <span>{t('invoices.proof.seller', { ban: p.sellerBan })}</span>
          {p.buyerBan && <span>{t('invoices.proof.buyer', { ban: p.buyerBan })}</span>}
        </p>
        <Barcode text={p.barcode} />
        <QrPair left={p.qrLeft} right={p.qrRight} />
      </article>
    </>
  );
}

/** The Code 39 barcode as bars in one SVG path (the width spans the paper's printable 48 mm). */
function Barcode({ text }: { text: string }) {
  const { t } = useI18n();
  let layout: ReturnType<typeof code39Layout>;
  try {
    layout = code39Layout(text, { wide: 3 });
  } catch (e) {
    return <p role="alert">{t('invoices.proof.codeError', { message: (e as Error).message })}</p>;
  }
  const d = layout.bars.map((b) => `M${b.x} 0h${b.width}v1h${-b.width}z`).join('');
  return (
    <svg
      className="inv-proof-barcode"
      role="img"
      aria-label={t('invoices.proof.barcodeLabel', { text })}
      data-testid="proof-barcode"
      viewBox={`0 0 ${layout.width} 1`}
      preserveAspectRatio="none"
      width="48mm"
      height="7mm"
      shapeRendering="crispEdges"
      xmlns="http://www.w3.org/2000/svg"
    >
      <rect width={layout.width} height="1" fill="#fff" />
      <path d={d} fill="#000" />
    </svg>
  );
}

function QrSvg({ matrix, label, testId }: { matrix: QrMatrix; label: string; testId: string }) {
  const side = matrix.size + 2 * QR_QUIET;
  return (
    <svg
      className="inv-proof-qr"
      role="img"
      aria-label={label}
      data-testid={testId}
      viewBox={`0 0 ${side} ${side}`}
      width="23mm"
      height="23mm"
      shapeRendering="crispEdges"
      xmlns="http://www.w3.org/2000/svg"
    >
      <rect width={side} height={side} fill="#fff" />
      <path d={qrPath(matrix, QR_QUIET)} fill="#000" />
    </svg>
  );
}

/** The two QR codes side by side, the same version and size, top-aligned (the spec's rule). */
function QrPair({ left, right }: { left: string; right: string }) {
  const { t } = useI18n();
  let pair: [QrMatrix, QrMatrix];
  try {
    pair = qrPair(left, right);
  } catch (e) {
    return <p role="alert">{t('invoices.proof.codeError', { message: (e as Error).message })}</p>;
  }
  return (
    <div className="inv-proof-qrs">
      <QrSvg matrix={pair[0]} label={t('invoices.proof.qrLeft')} testId="proof-qr-left" />
      <QrSvg matrix={pair[1]} label={t('invoices.proof.qrRight')} testId="proof-qr-right" />
    </div>
  );
}
