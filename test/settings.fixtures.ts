// Form values shared by the settings test files (no Shopify or database imports).

export const SANDBOX_PASSKEY = "bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919";

/** A complete, valid receiving account (a sandbox paybill), as the page's account form posts it. */
export function validAccountForm(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    intent: "save-account",
    accountId: "",
    label: "",
    environment: "sandbox",
    shortcodeType: "paybill",
    businessShortCode: "174379",
    tillNumber: "",
    consumerKey: "emulator-consumer-key",
    consumerSecret: "emulator-consumer-secret",
    passkey: SANDBOX_PASSKEY,
    c2bVersion: "v2",
    c2bResponseType: "Completed",
    ...overrides,
  };
}

/** Valid shop-wide settings, as the page's settings form posts them. */
export function validShopForm(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    intent: "save",
    paymentMethodName: "M-PESA",
    accountReferenceTemplate: "INV{order_number}",
    initiatorName: "",
    initiatorPassword: "",
    securityCredential: "",
    ...overrides,
  };
}

/** A complete, valid single-account set-up (shop-wide settings and the default paybill) in one form. */
export function validForm(overrides: Record<string, string> = {}): Record<string, string> {
  const { intent: _a, accountId: _b, ...account } = validAccountForm();
  return { ...account, ...validShopForm(), ...overrides };
}
