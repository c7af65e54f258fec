// Daraja does not sign callbacks: in production the source address (docs/DARAJA.md §8) plus the
// per-attempt token are the only authenticity checks. Sandbox and emulator callbacks come from
// unpublished addresses, so the check is relaxed there (the token still applies).

export const SAFARICOM_CALLBACK_IPS = [
  "196.201.214.200",
  "196.201.214.206",
  "196.201.213.114",
  "196.201.214.207",
  "196.201.214.208",
  "196.201.213.44",
  "196.201.212.127",
  "196.201.212.138",
  "196.201.212.129",
  "196.201.212.136",
  "196.201.212.74",
  "196.201.212.69",
];

export function callbackAllowlist(override: string | undefined): string[] {
  const custom = override
    ?.split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  return custom && custom.length > 0 ? custom : SAFARICOM_CALLBACK_IPS;
}

export function sourceAllowed(environment: string, sourceIp: string | null, allowlist: string[]): boolean {
  if (environment !== "production") return true;
  return !!sourceIp && allowlist.includes(sourceIp);
}
