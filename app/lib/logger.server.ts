import pino from "pino";
import { env } from "./env.server";

// Structured JSON logs. Secrets are redacted by key; phone numbers must be passed through maskMsisdn().
export const logger = pino({
  level: env().LOG_LEVEL,
  base: { app: "mpesa-checkout" },
  redact: {
    paths: [
      "*.consumerSecret",
      "*.passkey",
      "*.initiatorPassword",
      "*.securityCredential",
      "*.accessToken",
      "*.access_token",
      "*.Password",
      "*.SecurityCredential",
      "*.authorization",
      "*.Authorization",
      "headers.authorization",
    ],
    censor: "[redacted]",
  },
});

/** 254712345678 -> 2547****5678. Anything that is not a plain phone number is masked entirely. */
export function maskMsisdn(msisdn: string | null | undefined): string {
  if (!msisdn) return "";
  const digits = String(msisdn);
  if (!/^\d{9,12}$/.test(digits)) return "****";
  return `${digits.slice(0, 4)}****${digits.slice(-4)}`;
}
