// Business rule: which callbacks must be confirmed by an STK Push Query before they count. Daraja does
// not sign callbacks, so in production (or with STK_VERIFY_WITH_QUERY=true) every outcome — a
// failure as much as a success — is checked with Daraja before it becomes final: a forged
// "cancelled" must not end an attempt the shopper has paid (issue 9, L1).

/** `setting`: STK_VERIFY_WITH_QUERY (undefined: on for production shops, off for sandbox). */
export function verifiesWithQuery(setting: boolean | undefined, environment: string): boolean {
  return setting ?? environment === "production";
}
