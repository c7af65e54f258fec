// Public surface of the settings module for the rest of the app (see docs/ARCHITECTURE.md, "Settings").
export { getShopDarajaConfig, secretBoxFromEnv, darajaBaseUrl } from "./config.server";
export type { ShopDarajaConfig, DarajaEnvironment } from "./config.server";
export { renderAccountReference, accountReferenceTemplateProblem, ACCOUNT_REFERENCE_MAX } from "./account-reference";
export { createSecretBox, SecretDecryptionError } from "./secret-box.server";
export type { SecretBox } from "./secret-box.server";
export { rotateShopSecrets } from "./rotate.server";
export type { RotationReport } from "./rotate.server";
export { accountDarajaConfig, getShopPaymentSettings } from "./config.server";
export {
  findDefaultReceivingAccount,
  findReceivingAccount,
  findReceivingAccountByC2bTokenHash,
  listReceivingAccounts,
  receivingNumber,
  c2bShortCode,
} from "./accounts.server";
export type { AccountKind, C2bResponseType, C2bVersion } from "./accounts.server";
