// Public surface of the settings module for the rest of the app (see docs/ARCHITECTURE.md, "Settings").
export { getShopDarajaConfig, secretBoxFromEnv, darajaBaseUrl } from "./config.server";
export type { ShopDarajaConfig, DarajaEnvironment } from "./config.server";
export { renderAccountReference, accountReferenceTemplateProblem, ACCOUNT_REFERENCE_MAX } from "./account-reference";
export { createSecretBox, SecretDecryptionError } from "./secret-box.server";
export type { SecretBox } from "./secret-box.server";
export { rotateShopSecrets } from "./rotate.server";
export type { RotationReport } from "./rotate.server";
