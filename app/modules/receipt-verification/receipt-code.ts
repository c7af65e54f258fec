// The M-PESA receipt ("confirmation code" in the customer's SMS, e.g. TCE4XK91QZ): ten letters and
// digits, upper case. People copy it from the SMS with spaces or in lower case: both are forgiven
// (statements too may show it in lower case); anything else is not a receipt and is never sent to Daraja.

export type ReceiptCodeVerdict = { ok: true; receipt: string } | { ok: false; message: string };

const RECEIPT = /^[A-Z0-9]{10}$/;

export function parseReceiptCode(input: unknown): ReceiptCodeVerdict {
  const raw = typeof input === "string" ? input : "";
  const code = raw.replace(/\s+/g, "").toUpperCase();
  if (!code) return { ok: false, message: "Enter the M-PESA code from the customer's M-PESA SMS (e.g. TCE4XK91QZ)." };
  if (/^\+?\d{9,13}$/.test(code))
    return {
      ok: false,
      message:
        "That looks like a phone number, not an M-PESA code. The code is 10 letters and digits, e.g. TCE4XK91QZ.",
    };
  if (!RECEIPT.test(code) || !/[A-Z]/.test(code))
    return {
      ok: false,
      message: `"${raw.trim().slice(0, 20)}" is not an M-PESA code: a code is exactly 10 letters and digits, e.g. TCE4XK91QZ.`,
    };
  return { ok: true, receipt: code };
}
