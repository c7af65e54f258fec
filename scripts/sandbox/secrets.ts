import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

// The sandbox app's local identity: a generated API key/secret (they sign the sandbox's session
// tokens and webhooks) and the ENCRYPTION_KEY that seals the demo shop's Daraja secrets. Kept in
// the gitignored .sandbox/ folder so a restart can still open what the previous run stored.

export type SandboxSecrets = { apiKey: string; apiSecret: string; encryptionKey: string };

export function loadOrCreateSecrets(dir: string): SandboxSecrets {
  const file = path.join(dir, "secrets.json");
  if (fs.existsSync(file)) {
    const stored = JSON.parse(fs.readFileSync(file, "utf8")) as Partial<SandboxSecrets>;
    if (stored.apiKey && stored.apiSecret && stored.encryptionKey) return stored as SandboxSecrets;
  }
  const secrets: SandboxSecrets = {
    apiKey: `sandbox-${randomBytes(8).toString("hex")}`,
    apiSecret: randomBytes(32).toString("hex"),
    encryptionKey: randomBytes(32).toString("base64"),
  };
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(file, JSON.stringify(secrets, null, 2) + "\n", { mode: 0o600 });
  return secrets;
}
