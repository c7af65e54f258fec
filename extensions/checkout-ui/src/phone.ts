// The same rules as the app's normalizeMsisdn (app/modules/daraja): the extension cannot import app
// code, so this is a deliberate small copy. The server stays the authority; this only spares the
// shopper a round trip for a number that cannot be a Kenyan mobile.

/** "2547XXXXXXXX" / "2541XXXXXXXX" (Daraja's MSISDN format), or null when the input is not one. */
export function normalizeKenyanPhone(input: string): string | null {
  const compact = input.replace(/[\s\-()]/g, ""); // the separators the server strips, no more
  const digits = compact.startsWith("+") ? compact.slice(1) : compact;
  if (!/^\d+$/.test(digits)) return null;
  // A "+" only makes sense in front of the country code.
  if (compact.startsWith("+") && !digits.startsWith("254")) return null;

  let subscriber: string | null = null; // the 9 digits after 254, starting with 7 or 1
  if (digits.length === 12 && digits.startsWith("254")) subscriber = digits.slice(3);
  else if (digits.length === 10 && digits.startsWith("0")) subscriber = digits.slice(1);
  else if (digits.length === 9) subscriber = digits;

  if (subscriber === null || !/^[71]\d{8}$/.test(subscriber)) return null;
  return `254${subscriber}`;
}

/** How a normalised number is shown back to a Kenyan shopper: "0712 345 678". */
export function formatLocalPhone(msisdn: string): string {
  const local = `0${msisdn.slice(3)}`;
  return `${local.slice(0, 4)} ${local.slice(4, 7)} ${local.slice(7)}`;
}
