import { constants, publicEncrypt } from "node:crypto";
import { DarajaRequestValidationError } from "./errors";
import { PRODUCTION_CERTIFICATE, SANDBOX_CERTIFICATE } from "./certs";
import type { DarajaEnvironment } from "./types";

// SecurityCredential (docs/DARAJA.md §4): base64(RSA-PKCS#1-v1.5(publicKeyOf(cert), initiatorPassword)).
// The plain password is encrypted as-is — no timestamp appended, unlike one SDK (contradicts the docs).

export type InitiatorCredential =
  { securityCredential: string } | { initiatorPassword: string; certificatePem?: string };

export function encryptInitiatorPassword(initiatorPassword: string, certificatePem: string): string {
  return publicEncrypt(
    { key: certificatePem, padding: constants.RSA_PKCS1_PADDING },
    Buffer.from(initiatorPassword, "utf8"),
  ).toString("base64");
}

export function defaultCertificateFor(environment: DarajaEnvironment): string {
  return environment === "production" ? PRODUCTION_CERTIFICATE : SANDBOX_CERTIFICATE;
}

/** A ready credential is used as given; a password is encrypted with the given or bundled certificate. */
export function resolveSecurityCredential(credential: InitiatorCredential, environment: DarajaEnvironment): string {
  if ("securityCredential" in credential) {
    const value = credential.securityCredential?.trim();
    if (!value) throw new DarajaRequestValidationError("securityCredential", "securityCredential is empty");
    return value;
  }
  if (!credential.initiatorPassword) {
    throw new DarajaRequestValidationError("initiatorPassword", "initiatorPassword is empty");
  }
  try {
    return encryptInitiatorPassword(
      credential.initiatorPassword,
      credential.certificatePem ?? defaultCertificateFor(environment),
    );
  } catch (err) {
    throw new DarajaRequestValidationError(
      "certificatePem",
      `certificatePem is not a usable PEM certificate or public key (${(err as Error).message})`,
    );
  }
}
