// Daraja speaks East Africa Time (UTC+3, no daylight saving) in every timestamp it formats.
const EAT_OFFSET_MS = 3 * 3600_000;

function eatIso(ms: number): string {
  return new Date(ms + EAT_OFFSET_MS).toISOString();
}

/** YYYYMMDDHHmmss in EAT (STK Timestamp, TransactionDate, TransTime). */
export function eatStamp(ms: number): string {
  return eatIso(ms).replace(/[-:T]/g, "").slice(0, 14);
}

/** YYYYMMDD in EAT (ConversationID). */
export const eatDate = (ms: number) => eatStamp(ms).slice(0, 8);

/** dd.MM.yyyy HH:mm:ss in EAT (B2C TransactionCompletedDateTime). */
export function eatDotted(ms: number): string {
  const s = eatStamp(ms);
  return `${s.slice(6, 8)}.${s.slice(4, 6)}.${s.slice(0, 4)} ${s.slice(8, 10)}:${s.slice(10, 12)}:${s.slice(12, 14)}`;
}

/** Parses YYYYMMDDHHmmss as EAT; null when it is not a real calendar time. */
export function parseEatStamp(stamp: string): number | null {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(stamp);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number);
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(ms);
  // Date.UTC silently rolls 20261332 over into the next year; Daraja calls that an invalid Timestamp.
  if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return null;
  return ms - EAT_OFFSET_MS;
}

/** Parses Pull Transactions "YYYY-MM-DD HH:mm:ss" (EAT); null when malformed. */
export function parseEatDateTime(value: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(value);
  return m ? parseEatStamp(m.slice(1).join("")) : null;
}
