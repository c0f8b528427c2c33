/**
 * Turnkey's clock: every timestamp it writes (MESSAGE_DTS, PROCESS_DTS, EVENTDTS, folder names) is local
 * Taiwan time, Asia/Taipei = UTC+8 all year (no daylight saving since 1979).
 */
const TAIPEI_OFFSET_MS = 8 * 3600 * 1000;

export type TaipeiStamp = {
  /** `yyyyMMdd` */
  day: string;
  /** `HH` */
  hour: string;
  /** `HHmmssSSS` (the time part of a Turnkey message common name) */
  time9: string;
  /** `yyyyMMddHHmmssSSS` (MESSAGE_DTS, PROCESS_DTS, EVENTDTS) */
  dts: string;
};

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

export function taipei(at: Date): TaipeiStamp {
  const t = new Date(at.getTime() + TAIPEI_OFFSET_MS);
  const day = `${t.getUTCFullYear()}${pad(t.getUTCMonth() + 1)}${pad(t.getUTCDate())}`;
  const hour = pad(t.getUTCHours());
  const time9 = `${hour}${pad(t.getUTCMinutes())}${pad(t.getUTCSeconds())}${pad(t.getUTCMilliseconds(), 3)}`;
  return { day, hour, time9, dts: `${day}${time9}` };
}

/** The instant of a 17-character `yyyyMMddHHmmssSSS` Taipei timestamp. */
export function fromDts(dts: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{3})$/.exec(dts);
  if (!m) throw new Error(`not a Turnkey timestamp: ${dts}`);
  const [, y, mo, d, h, mi, s, ms] = m.map(Number) as number[];
  return new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, s!, ms!) - TAIPEI_OFFSET_MS);
}

/** `yyyyMMdd` as a real calendar day? */
export function isDay(s: string): boolean {
  if (!/^\d{8}$/.test(s)) return false;
  const d = fromDts(`${s}000000000`);
  return taipei(d).day === s;
}
