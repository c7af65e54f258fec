// East Africa Time, the one conversion: Kenya keeps UTC+3 all year (no daylight saving), so a fixed
// offset is exact. Shift the instant by +3 h and read it with the UTC getters, which never consult the
// process time zone. Used by the Daraja timestamps and the merchant's dashboard alike.
// (The emulator keeps its own copy: it imports nothing from app/.)

export const EAT_OFFSET_MS = 3 * 60 * 60 * 1000;

/** The EAT wall clock of an instant, as a Date to be read with its getUTC* methods. */
export function eatWallClock(instant: Date): Date {
  return new Date(instant.getTime() + EAT_OFFSET_MS);
}

/** The instant an EAT wall-clock reading denotes (fields as Date.UTC takes them: month 0-based). */
export function instantFromEat(y: number, monthIndex: number, d: number, h: number, mi: number, s: number): Date {
  return new Date(Date.UTC(y, monthIndex, d, h, mi, s) - EAT_OFFSET_MS);
}
