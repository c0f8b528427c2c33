/**
 * MIG 4.1 messages written by hand for the simulator's tests (the domain's builders are another
 * engineer's work in progress; these stay independent of them on purpose: a test peer's fixtures).
 */

export const SELLER_BAN = '24549210';
export const BUYER_BAN = '53538851';

export type F0401Options = {
  number?: string;
  date?: string;
  seller?: string;
  sellerAddress?: string | null;
  buyer?: string;
  printMark?: 'Y' | 'N';
  donateMark?: '0' | '1';
  npoban?: string;
  carrier?: { type: string; id1: string; id2: string };
  /** Replace the whole Amount block (e.g. to break the schema). */
  amountXml?: string;
};

const opt = (name: string, v: string | undefined | null) => (v ? `<${name}>${v}</${name}>` : '');

export function f0401Xml(o: F0401Options = {}): string {
  const number = o.number ?? 'AB12345678';
  const date = o.date ?? '20261121';
  const address = o.sellerAddress === undefined ? '台北市中正區忠孝西路一段1號' : o.sellerAddress;
  return `<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:GEINV:eInvoiceMessage:F0401:4.1" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="urn:GEINV:eInvoiceMessage:F0401:4.1 F0401.xsd">
  <Main>
    <InvoiceNumber>${number}</InvoiceNumber>
    <InvoiceDate>${date}</InvoiceDate>
    <InvoiceTime>13:45:09</InvoiceTime>
    <Seller>
      <Identifier>${o.seller ?? SELLER_BAN}</Identifier>
      <Name>測試商行 &amp; Co.</Name>
      ${opt('Address', address)}
    </Seller>
    <Buyer>
      <Identifier>${o.buyer ?? '0000000000'}</Identifier>
      <Name>0000000000</Name>
    </Buyer>
    <InvoiceType>07</InvoiceType>
    <DonateMark>${o.donateMark ?? '0'}</DonateMark>
    ${opt('CarrierType', o.carrier?.type)}
    ${opt('CarrierId1', o.carrier?.id1)}
    ${opt('CarrierId2', o.carrier?.id2)}
    <PrintMark>${o.printMark ?? 'Y'}</PrintMark>
    ${opt('NPOBAN', o.npoban)}
    <RandomNumber>1234</RandomNumber>
  </Main>
  <Details>
    <ProductItem>
      <Description>92無鉛汽油</Description>
      <Quantity>10</Quantity>
      <Unit>公升</Unit>
      <UnitPrice>30</UnitPrice>
      <TaxType>1</TaxType>
      <Amount>300</Amount>
      <SequenceNumber>0001</SequenceNumber>
    </ProductItem>
  </Details>
  ${
    o.amountXml ??
    `<Amount>
    <SalesAmount>300</SalesAmount>
    <FreeTaxSalesAmount>0</FreeTaxSalesAmount>
    <ZeroTaxSalesAmount>0</ZeroTaxSalesAmount>
    <TaxType>1</TaxType>
    <TaxRate>0.05</TaxRate>
    <TaxAmount>0</TaxAmount>
    <TotalAmount>300</TotalAmount>
  </Amount>`
  }
</Invoice>
`;
}

export function f0501Xml(o: { number?: string; invoiceDate?: string; cancelDate?: string; seller?: string } = {}): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<CancelInvoice xmlns="urn:GEINV:eInvoiceMessage:F0501:4.1">
  <CancelInvoiceNumber>${o.number ?? 'AB12345678'}</CancelInvoiceNumber>
  <InvoiceDate>${o.invoiceDate ?? '20261121'}</InvoiceDate>
  <BuyerId>0000000000</BuyerId>
  <SellerId>${o.seller ?? SELLER_BAN}</SellerId>
  <CancelDate>${o.cancelDate ?? '20261122'}</CancelDate>
  <CancelTime>09:00:00</CancelTime>
  <CancelReason>買方退貨</CancelReason>
</CancelInvoice>
`;
}

export function e0402Xml(o: { head?: string; branch?: string; track?: string } = {}): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<BranchTrackBlank xmlns="urn:GEINV:eInvoiceMessage:E0402:4.1">
  <Main>
    <HeadBan>${o.head ?? SELLER_BAN}</HeadBan>
    <BranchBan>${o.branch ?? SELLER_BAN}</BranchBan>
    <InvoiceType>07</InvoiceType>
    <YearMonth>11412</YearMonth>
    <InvoiceTrack>${o.track ?? 'AB'}</InvoiceTrack>
  </Main>
  <Details>
    <BranchTrackBlankItem>
      <InvoiceBeginNo>12345650</InvoiceBeginNo>
      <InvoiceEndNo>12345699</InvoiceEndNo>
    </BranchTrackBlankItem>
  </Details>
</BranchTrackBlank>
`;
}

export function f0701Xml(o: { number?: string; invoiceDate?: string; voidDate?: string; seller?: string } = {}): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<VoidInvoice xmlns="urn:GEINV:eInvoiceMessage:F0701:4.1">
  <VoidInvoiceNumber>${o.number ?? 'AB12345678'}</VoidInvoiceNumber>
  <InvoiceDate>${o.invoiceDate ?? '20261121'}</InvoiceDate>
  <BuyerId>0000000000</BuyerId>
  <SellerId>${o.seller ?? SELLER_BAN}</SellerId>
  <VoidDate>${o.voidDate ?? '20261121'}</VoidDate>
  <VoidTime>10:00:00</VoidTime>
  <VoidReason>更正載具</VoidReason>
</VoidInvoice>
`;
}
