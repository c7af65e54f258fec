import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import { ROOT } from "./databases";

// The built app (`node server.mjs`, exactly as production runs it) in a child process, on 127.0.0.1
// and a free port (server.mjs treats PORT=0 as "default"), against this test file's database.

export interface AppServer {
  url: string;
  port: number;
  output: () => string;
  /** Resolves when the process has exited, with its exit code or the signal that ended it. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Graceful stop (SIGTERM: the worker finishes its current job). */
  stop: () => Promise<void>;
  /** Crash (SIGKILL): nothing runs after it. */
  kill: () => Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface StartOptions {
  /** The command line (default `node server.mjs`), e.g. `npm run docker-start` as the Docker image runs it. */
  command?: [string, ...string[]];
  /** How long to wait for "listening" (default 30 s; a command that migrates first needs longer). */
  startTimeoutMs?: number;
}

export async function startAppServer(
  env: Record<string, string>,
  port?: number,
  opts: StartOptions = {},
): Promise<AppServer> {
  const chosen = port ?? (await freePort());
  const url = `http://127.0.0.1:${chosen}`;
  const [cmd, ...args] = opts.command ?? [process.execPath, "server.mjs"];
  const child = spawn(cmd, args, {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: "test",
      HOST: "127.0.0.1",
      PORT: String(chosen),
      CALLBACK_BASE_URL: url,
      JOB_POLL_MS: "25",
      JOB_RETRY_BASE_MS: "50",
      JOB_RETRY_MAX_MS: "500",
      LOG_LEVEL: process.env.APP_LOG_LEVEL ?? "warn",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`app did not start:\n${out}`)), opts.startTimeoutMs ?? 30_000);
    const check = () => {
      if (out.includes('"msg":"listening"')) {
        clearTimeout(timer);
        child.stdout!.off("data", check);
        resolve();
      }
    };
    child.stdout!.on("data", check);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`app exited (${code}) before listening:\n${out}`));
    });
  });
  const ended = (c: ChildProcess) =>
    new Promise<void>((resolve) =>
      c.exitCode !== null || c.signalCode !== null ? resolve() : c.once("exit", () => resolve()),
    );
  return {
    url,
    port: chosen,
    output: () => out,
    exited,
    stop: async () => {
      child.kill("SIGTERM");
      await ended(child);
    },
    kill: async () => {
      child.kill("SIGKILL");
      await ended(child);
    },
  };
}
