// Public surface of the Daraja module (contract: docs/ARCHITECTURE.md "Daraja client").
export { createDarajaClient, type DarajaClient } from "./client";
export { DEFAULT_TIMEOUT_MS, type DarajaClientOptions } from "./core";
export type { StkPushInput, StkPushAck, StkQueryInput, StkQueryResult } from "./operations/stk";
export { STK_MIN_KES, STK_MAX_KES } from "./operations/stk";
export type {
  B2cInput,
  ReversalInput,
  TransactionStatusInput,
  AccountBalanceInput,
  InitiatorAck,
} from "./operations/initiator";
export { B2C_MIN_KES, B2C_MAX_KES } from "./operations/initiator";
export type {
  C2bRegisterInput,
  C2bRegisterAck,
  PullRegisterInput,
  PullQueryInput,
  PulledTransaction,
  DynamicQrInput,
} from "./operations/c2b-pull-qr";
export { isNoApiProductMatch } from "./operations/c2b-pull-qr";
export { c2bBannedWordIn, C2B_BANNED_URL_WORDS } from "./validation";
export {
  DarajaError,
  DarajaAuthError,
  DarajaNetworkError,
  DarajaTimeoutError,
  DarajaRequestValidationError,
  InvalidPhoneNumberError,
  MalformedPayloadError,
  type DarajaErrorKind,
} from "./errors";
export { classifyErrorAnswer, isInvalidTokenAnswer, reasonOf5000011001, type Code1001Reason } from "./classify";
export { normalizeMsisdn, isHashedMsisdn, isMaskedMsisdn, identifyPayer, type PayerIdentifier } from "./phone";
export { eatTimestamp, eatDateTime, stkPassword, stkCredentials, parseEatTimestamp, parseEatDotted } from "./time";
export {
  encryptInitiatorPassword,
  resolveSecurityCredential,
  defaultCertificateFor,
  type InitiatorCredential,
} from "./security-credential";
export { SANDBOX_CERTIFICATE, PRODUCTION_CERTIFICATE } from "./certs";
export {
  InMemoryTokenStore,
  defaultTokenStore,
  tokenCacheKey,
  type TokenStore,
  type StoredToken,
  type TokenCredentials,
} from "./token-store";
export * from "./types";
export { parseStkCallback, type StkCallback } from "./parsers/stk-callback";
export {
  parseC2bValidation,
  parseC2bConfirmation,
  parseC2bValidationAsReceived,
  parseC2bConfirmationAsReceived,
  type C2bPayment,
} from "./parsers/c2b";
export {
  parseResult,
  parseQueueTimeout,
  parseB2cResult,
  parseTransactionStatusResult,
  parseReversalResult,
  parseAccountBalanceResult,
  parseBalanceString,
  type DarajaResult,
  type AccountBalanceEntry,
} from "./parsers/result";
