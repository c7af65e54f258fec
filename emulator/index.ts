// The Daraja emulator: a real HTTP server speaking Daraja (see README.md). Imports nothing from app/.
import type { AddressInfo } from "node:net";
import { createControl, type EmulatorControl } from "./control";
import { resolveOptions, type EmulatorOptions } from "./options";
import { createServer } from "./server";
import { EMULATOR_CERTIFICATE } from "./initiator-key";

export type { EmulatorOptions } from "./options";
export { DEFAULT_CREDENTIALS, EMULATOR_TILL, SANDBOX_PASSKEY } from "./options";
export { SANDBOX_TEST_MSISDN, STK_OUTCOMES } from "./outcomes";
export { EMULATOR_CERTIFICATE } from "./initiator-key";
export { SANDBOX_INITIATOR_PASSWORD } from "./api/security-credential";
export type { EmulatorControl } from "./control";

export type Emulator = EmulatorControl & {
  url: string;
  port: number;
  /** The certificate (PEM) initiator passwords are encrypted with for this emulator (initiator-key.ts). */
  certificatePem: string;
  close(): Promise<void>;
};

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const control = createControl(resolveOptions(options));
  const server = createServer(control.current, control.http);
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    ...control.api,
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    port,
    certificatePem: EMULATOR_CERTIFICATE,
    close: async () => {
      control.api.reset();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
