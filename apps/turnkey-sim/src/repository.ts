/**
 * All SQL of the simulator: Turnkey's tables in MariaDB (sql/turnkey-schema.sql) through a mysql2 pool.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Pool, PoolConnection, RowDataPacket } from 'mysql2/promise';
import { splitMessage } from './codes.ts';
import { fromDts, taipei } from './time.ts';

export const SCHEMA_FILE = join(import.meta.dirname, '..', 'sql', 'turnkey-schema.sql');

/** One TURNKEY_MESSAGE_LOG row as the simulator writes it (every column is a string in Turnkey). */
export type MessageRow = {
  SEQNO: string;
  SUBSEQNO: string;
  UUID: string | null;
  MESSAGE_TYPE: string;
  CATEGORY_TYPE: string;
  PROCESS_TYPE: string;
  FROM_PARTY_ID: string;
  TO_PARTY_ID: string;
  MESSAGE_DTS: string;
  CHARACTER_COUNT: string;
  STATUS: string;
  IN_OUT_BOUND: 'O' | 'I';
  FROM_ROUTING_ID: string;
  TO_ROUTING_ID: string;
  INVOICE_IDENTIFIER: string | null;
};

export type Task = 'UpCast' | 'Pack' | 'SendFile' | 'ReceiveFile';

/** A message uploaded and waiting for the platform's reply (status G). */
export type PendingRow = {
  seqno: string;
  subseqno: string;
  uuid: string;
  packId: string;
  messageType: string;
  invoiceIdentifier: string;
  fromPartyId: string;
  fromRoutingId: string;
  characterCount: number;
  /** When it was sent (SendFile PROCESS_DTS). */
  sentDts: string;
};

/** A row of a day's uploads with the platform's answer, for the SummaryResult. */
export type SummaryRow = {
  uuid: string;
  packId: string;
  messageType: string;
  status: string;
  invoiceIdentifier: string;
  fromPartyId: string;
  fromRoutingId: string;
  characterCount: number;
};

const FILENAME_MAX = 255;

export function createRepository(pool: Pool) {
  /** Runs every statement of the schema file (idempotent). */
  async function applySchema(file = SCHEMA_FILE): Promise<void> {
    const text = readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => !l.trimStart().startsWith('--'))
      .join('\n');
    for (const stmt of text.split(/;\s*(?:\n|$)/)) {
      if (stmt.trim()) await pool.query(stmt);
    }
  }

  async function inTx<T>(fn: (c: PoolConnection) => Promise<T>): Promise<T> {
    const c = await pool.getConnection();
    try {
      await c.beginTransaction();
      const r = await fn(c);
      await c.commit();
      return r;
    } catch (e) {
      await c.rollback().catch(() => {});
      throw e;
    } finally {
      c.release();
    }
  }

  /** Hands out `n` consecutive SEQNOs from TURNKEY_SEQUENCE (8 digits, wrapping after 99999999). */
  async function nextSeqnos(n: number): Promise<string[]> {
    if (n <= 0) return [];
    return inTx(async (c) => {
      const [rows] = await c.query<RowDataPacket[]>('SELECT SEQUENCE FROM TURNKEY_SEQUENCE FOR UPDATE');
      const last = rows.length ? Number(rows[0]!['SEQUENCE']) : 0;
      const out = Array.from({ length: n }, (_, i) => String(((last + i) % 99_999_999) + 1).padStart(8, '0'));
      const end = out.at(-1) as string;
      if (rows.length) await c.query('UPDATE TURNKEY_SEQUENCE SET SEQUENCE = ?', [end]);
      else await c.query('INSERT INTO TURNKEY_SEQUENCE (SEQUENCE) VALUES (?)', [end]);
      return out;
    });
  }

  async function insertMessage(row: MessageRow): Promise<void> {
    const cols = Object.keys(row);
    await pool.query(`INSERT INTO TURNKEY_MESSAGE_LOG (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`, [
      ...Object.values(row),
    ]);
  }

  async function setStatus(keys: readonly { seqno: string; subseqno: string }[], status: string, uuid?: string): Promise<void> {
    if (keys.length === 0) return;
    const where = keys.map(() => '(SEQNO = ? AND SUBSEQNO = ?)').join(' OR ');
    const params = keys.flatMap((k) => [k.seqno, k.subseqno]);
    if (uuid === undefined) await pool.query(`UPDATE TURNKEY_MESSAGE_LOG SET STATUS = ? WHERE ${where}`, [status, ...params]);
    else await pool.query(`UPDATE TURNKEY_MESSAGE_LOG SET STATUS = ?, UUID = ? WHERE ${where}`, [status, uuid, ...params]);
  }

  async function putDetail(
    rows: readonly { seqno: string; subseqno: string }[],
    d: { task: Task; status: string; dts: string; filename: string; uuid?: string | null },
  ): Promise<void> {
    if (rows.length === 0) return;
    // FILENAME is VARCHAR(255): keep the end of a longer path (the file name is what matters).
    const filename = d.filename.length > FILENAME_MAX ? d.filename.slice(-FILENAME_MAX) : d.filename;
    await pool.query(
      `INSERT INTO TURNKEY_MESSAGE_LOG_DETAIL (SEQNO, SUBSEQNO, PROCESS_DTS, TASK, STATUS, FILENAME, UUID) VALUES ${rows
        .map(() => '(?, ?, ?, ?, ?, ?, ?)')
        .join(', ')}
       ON DUPLICATE KEY UPDATE PROCESS_DTS = VALUES(PROCESS_DTS), STATUS = VALUES(STATUS), FILENAME = VALUES(FILENAME), UUID = VALUES(UUID)`,
      rows.flatMap((r) => [r.seqno, r.subseqno, d.dts, d.task, d.status, filename, d.uuid ?? null]),
    );
  }

  let lastEventDts = '';
  /**
   * Writes an event. EVENTDTS is the primary key, a millisecond timestamp: two events in the same
   * millisecond get consecutive milliseconds, as they must to be stored at all.
   */
  async function insertSysEvent(e: {
    dts: string;
    partyId: string | null;
    seqno: string | null;
    subseqno: string | null;
    errorCode: string | null;
    uuid: string | null;
    information: [string?, string?, string?];
    message: string;
  }): Promise<string> {
    let dts = e.dts > lastEventDts ? e.dts : bumpDts(lastEventDts);
    const msg = splitMessage(e.message);
    const info = [0, 1, 2].map((i) => (e.information[i] ?? '').slice(0, 100) || null);
    for (let attempt = 0; ; attempt++) {
      try {
        await pool.query(
          `INSERT INTO TURNKEY_SYSEVENT_LOG (EVENTDTS, PARTY_ID, SEQNO, SUBSEQNO, ERRORCODE, UUID, INFORMATION1, INFORMATION2,
             INFORMATION3, MESSAGE1, MESSAGE2, MESSAGE3, MESSAGE4, MESSAGE5, MESSAGE6)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          [dts, e.partyId, e.seqno, e.subseqno, e.errorCode, e.uuid, ...info, ...msg.map((m) => m || null)],
        );
        lastEventDts = dts;
        return dts;
      } catch (err) {
        if ((err as { code?: string }).code !== 'ER_DUP_ENTRY' || attempt > 1000) throw err;
        dts = bumpDts(dts);
      }
    }
  }

  /** FROM_CONFIG routing ids of these parties. */
  async function routingIds(partyIds: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (partyIds.length === 0) return out;
    const [rows] = await pool.query<RowDataPacket[]>(
      `SELECT PARTY_ID, ROUTING_ID FROM FROM_CONFIG WHERE PARTY_ID IN (${partyIds.map(() => '?').join(', ')})`,
      [...partyIds],
    );
    for (const r of rows) if (r['ROUTING_ID']) out.set(String(r['PARTY_ID']), String(r['ROUTING_ID']));
    return out;
  }

  /** Uploaded messages still waiting for a reply (status G), oldest first. */
  async function pendingReplies(): Promise<PendingRow[]> {
    const [rows] = await pool.query<RowDataPacket[]>(
      `SELECT m.SEQNO, m.SUBSEQNO, m.UUID, m.MESSAGE_TYPE, m.INVOICE_IDENTIFIER, m.FROM_PARTY_ID, m.FROM_ROUTING_ID,
              m.CHARACTER_COUNT, p.FILENAME AS PACK_ID, s.PROCESS_DTS AS SENT_DTS
         FROM TURNKEY_MESSAGE_LOG m
         JOIN TURNKEY_MESSAGE_LOG_DETAIL p ON p.SEQNO = m.SEQNO AND p.SUBSEQNO = m.SUBSEQNO AND p.TASK = 'Pack'
         JOIN TURNKEY_MESSAGE_LOG_DETAIL s ON s.SEQNO = m.SEQNO AND s.SUBSEQNO = m.SUBSEQNO AND s.TASK = 'SendFile'
        WHERE m.STATUS = 'G' AND m.IN_OUT_BOUND = 'O'
        ORDER BY s.PROCESS_DTS, m.SEQNO, m.SUBSEQNO`,
    );
    return rows.map((r) => ({
      seqno: String(r['SEQNO']),
      subseqno: String(r['SUBSEQNO']),
      uuid: String(r['UUID']),
      packId: String(r['PACK_ID']),
      messageType: String(r['MESSAGE_TYPE']),
      invoiceIdentifier: String(r['INVOICE_IDENTIFIER'] ?? ''),
      fromPartyId: String(r['FROM_PARTY_ID'] ?? ''),
      fromRoutingId: String(r['FROM_ROUTING_ID'] ?? ''),
      characterCount: Number(r['CHARACTER_COUNT'] ?? 0),
      sentDts: String(r['SENT_DTS']),
    }));
  }

  /** Accepted (C) messages of these types in upload order: the duplicate check's memory, loaded once. */
  async function acceptedMessages(types: readonly string[]): Promise<{ messageType: string; invoiceIdentifier: string }[]> {
    const [rows] = await pool.query<RowDataPacket[]>(
      `SELECT MESSAGE_TYPE, INVOICE_IDENTIFIER FROM TURNKEY_MESSAGE_LOG
        WHERE STATUS = 'C' AND MESSAGE_TYPE IN (${types.map(() => '?').join(', ')})
        ORDER BY MESSAGE_DTS, SEQNO, SUBSEQNO`,
      [...types],
    );
    return rows.map((r) => ({
      messageType: String(r['MESSAGE_TYPE']),
      invoiceIdentifier: String(r['INVOICE_IDENTIFIER'] ?? ''),
    }));
  }

  /** Messages uploaded (packed) on `day` that the platform has answered (C or E). */
  async function answeredOn(day: string): Promise<SummaryRow[]> {
    const [rows] = await pool.query<RowDataPacket[]>(
      `SELECT m.UUID, m.MESSAGE_TYPE, m.STATUS, m.INVOICE_IDENTIFIER, m.FROM_PARTY_ID, m.FROM_ROUTING_ID, m.CHARACTER_COUNT,
              p.FILENAME AS PACK_ID
         FROM TURNKEY_MESSAGE_LOG m
         JOIN TURNKEY_MESSAGE_LOG_DETAIL p ON p.SEQNO = m.SEQNO AND p.SUBSEQNO = m.SUBSEQNO AND p.TASK = 'Pack'
        WHERE m.MESSAGE_DTS BETWEEN ? AND ? AND m.UUID IS NOT NULL AND m.STATUS IN ('C', 'E') AND m.IN_OUT_BOUND = 'O'
        ORDER BY m.MESSAGE_DTS, m.SEQNO, m.SUBSEQNO`,
      [`${day}000000000`, `${day}235959999`],
    );
    return rows.map((r) => ({
      uuid: String(r['UUID']),
      packId: String(r['PACK_ID']),
      messageType: String(r['MESSAGE_TYPE']),
      status: String(r['STATUS']),
      invoiceIdentifier: String(r['INVOICE_IDENTIFIER'] ?? ''),
      fromPartyId: String(r['FROM_PARTY_ID'] ?? ''),
      fromRoutingId: String(r['FROM_ROUTING_ID'] ?? ''),
      characterCount: Number(r['CHARACTER_COUNT'] ?? 0),
    }));
  }

  /**
   * Locks (or unlocks) database accounts. Locking also kills their open connections, so a reader sees its
   * queries fail and new connections refused ("Access denied, this account is locked", errno 4151).
   * Needs the CREATE USER and CONNECTION ADMIN privileges (root has them).
   */
  async function setAccountsLocked(accounts: readonly string[], locked: boolean): Promise<string[]> {
    const problems: string[] = [];
    for (const a of accounts) {
      const [user, host = '%'] = a.split('@') as [string, string?];
      try {
        await pool.query(`ALTER USER ?@? ACCOUNT ${locked ? 'LOCK' : 'UNLOCK'}`, [user, host]);
        if (locked) {
          const [ids] = await pool.query<RowDataPacket[]>(
            'SELECT ID FROM information_schema.PROCESSLIST WHERE USER = ? AND ID <> CONNECTION_ID()',
            [user],
          );
          for (const r of ids) {
            await pool.query(`KILL CONNECTION ${Number(r['ID'])}`).catch(() => {}); // may be gone already
          }
        }
      } catch (e) {
        problems.push(`${a}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    return problems;
  }

  return {
    applySchema,
    nextSeqnos,
    insertMessage,
    setStatus,
    putDetail,
    insertSysEvent,
    routingIds,
    pendingReplies,
    acceptedMessages,
    answeredOn,
    setAccountsLocked,
  };
}

export type Repository = ReturnType<typeof createRepository>;

/** The next millisecond of a `yyyyMMddHHmmssSSS` stamp. */
function bumpDts(dts: string): string {
  return taipei(new Date(fromDts(dts).getTime() + 1)).dts;
}
