import { z } from "zod";

// Branded primitive: a value of this type has been validated once, at the edge, by the schema
// beside it. A plain string cannot be passed where a Msisdn is expected by accident.

/** Kenyan mobile number in Daraja's format: 254 + 7xx/1xx + 6 digits. */
export const MsisdnSchema = z
  .string()
  .regex(/^254[17]\d{8}$/)
  .brand<"Msisdn">();
export type Msisdn = z.infer<typeof MsisdnSchema>;

/** The one clock abstraction of the Daraja module; tests inject a fixed or stepping clock. */
export interface Clock {
  now(): Date;
}
export const systemClock: Clock = { now: () => new Date() };

export type DarajaEnvironment = "production" | "sandbox" | "custom";

/** api.safaricom.co.ke is production; sandbox.safaricom.co.ke sandbox; anything else (emulator) custom. */
export function environmentOf(baseUrl: string): DarajaEnvironment {
  const host = new URL(baseUrl).hostname;
  if (host === "api.safaricom.co.ke") return "production";
  if (host === "sandbox.safaricom.co.ke") return "sandbox";
  return "custom";
}

/** Minimal logger surface, so the composition root can pass app/lib/logger.server.ts in. */
export interface DarajaLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}
export const silentLogger: DarajaLogger = { debug() {}, info() {}, warn() {} };
