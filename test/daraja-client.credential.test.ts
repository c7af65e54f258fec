import { constants, generateKeyPairSync, privateDecrypt, X509Certificate } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  DarajaRequestValidationError,
  encryptInitiatorPassword,
  PRODUCTION_CERTIFICATE,
  resolveSecurityCredential,
  SANDBOX_CERTIFICATE,
} from "~/modules/daraja";

const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const publicPem = publicKey.export({ type: "spki", format: "pem" }).toString();
// Node refuses PKCS#1 v1.5 private decryption (CVE-2023-46809), so decrypt raw and check the padding
// block ourselves: 0x00 0x02 <non-zero random bytes> 0x00 <message>.
function decrypt(b64: string): string {
  const block = privateDecrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, Buffer.from(b64, "base64"));
  expect([block[0], block[1]]).toEqual([0x00, 0x02]);
  const separator = block.indexOf(0x00, 2);
  expect(separator).toBeGreaterThanOrEqual(10); // at least 8 bytes of padding
  return block.subarray(separator + 1).toString();
}

describe("SecurityCredential", () => {
  it("round-trips: RSA PKCS#1 v1.5 of the plain password, base64", () => {
    const credential = encryptInitiatorPassword("Safaricom999!*!", publicPem);
    expect(credential).toHaveLength(344); // 256 bytes → 344 base64 characters
    expect(decrypt(credential)).toBe("Safaricom999!*!");
  });

  it("differs on every call (random padding) but decrypts to the same password", () => {
    const a = resolveSecurityCredential({ initiatorPassword: "pw#1", certificatePem: publicPem }, "sandbox");
    const b = resolveSecurityCredential({ initiatorPassword: "pw#1", certificatePem: publicPem }, "sandbox");
    expect(a).not.toBe(b);
    expect(decrypt(a)).toBe("pw#1");
    expect(decrypt(b)).toBe("pw#1");
  });

  it("passes a ready credential through unchanged", () => {
    expect(resolveSecurityCredential({ securityCredential: " abc== " }, "production")).toBe("abc==");
  });

  it("names the field when the certificate is unusable or the password empty", () => {
    expect(() => resolveSecurityCredential({ initiatorPassword: "x", certificatePem: "nonsense" }, "sandbox")).toThrow(
      expect.objectContaining({ field: "certificatePem" }),
    );
    expect(() => resolveSecurityCredential({ initiatorPassword: "" }, "sandbox")).toThrow(DarajaRequestValidationError);
  });

  it("ships Safaricom's bundled sandbox and production certificates", () => {
    expect(new X509Certificate(SANDBOX_CERTIFICATE).subject).toContain("CN=apicrypt.safaricom.co.ke");
    expect(new X509Certificate(PRODUCTION_CERTIFICATE).subject).toContain("CN=apigee.apicaller.safaricom.co.ke");
    expect(resolveSecurityCredential({ initiatorPassword: "Safaricom999!*!" }, "production")).toHaveLength(344);
  });
});
