// Form values shared by the settings test files (no Shopify or database imports).

export const SANDBOX_PASSKEY = "bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919";

/** A complete, valid paybill form. */
export function validForm(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    intent: "save",
    environment: "sandbox",
    shortcodeType: "paybill",
    businessShortCode: "174379",
    tillNumber: "",
    consumerKey: "emulator-consumer-key",
    consumerSecret: "emulator-consumer-secret",
    passkey: SANDBOX_PASSKEY,
    paymentMethodName: "M-PESA",
    accountReferenceTemplate: "INV{order_number}",
    initiatorName: "",
    initiatorPassword: "",
    securityCredential: "",
    ...overrides,
  };
}
