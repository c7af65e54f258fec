// The Daraja emulator: a real HTTP server speaking Daraja (see README.md). Imports nothing from app/.
import type { AddressInfo } from "node:net";
import { createControl, type EmulatorControl } from "./control";
import { resolveOptions, type EmulatorOptions } from "./options";
import { createServer } from "./server";

export type { EmulatorOptions } from "./options";
export { DEFAULT_CREDENTIALS, EMULATOR_TILL, SANDBOX_PASSKEY } from "./options";
export { SANDBOX_TEST_MSISDN, STK_OUTCOMES } from "./outcomes";
export type { EmulatorControl } from "./control";

export type Emulator = EmulatorControl & { url: string; port: number; close(): Promise<void> };

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
    close: async () => {
      control.api.reset();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
