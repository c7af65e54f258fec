import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import readline from "node:readline";

// One app instance: the built production server (`node server.mjs`, as the Docker image runs it) in a
// child process on 127.0.0.1:<port>, its log in a file. stop() is a graceful SIGTERM; kill() is
// SIGKILL (a crash: nothing runs after it); start() again on the same port is a restart.

export interface Instance {
  name: string;
  port: number;
  url: string;
  running: () => boolean;
  start: () => Promise<void>;
  stop: () => Promise<void>;
  kill: () => Promise<void>;
}

export function appInstance(opts: {
  name: string;
  /** Holds server.mjs and build/ (a snapshot inside the repository, so node_modules resolves). */
  appDir: string;
  port: number;
  env: NodeJS.ProcessEnv;
  logFile: string;
  startTimeoutMs?: number;
}): Instance {
  let child: ReturnType<typeof spawn> | undefined;
  let exited: Promise<void> = Promise.resolve();
  const alive = () => !!child && child.exitCode === null && child.signalCode === null;

  const end = async (signal: NodeJS.Signals) => {
    if (!child || !alive()) return;
    child.kill(signal);
    const timer = setTimeout(() => child?.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  };

  return {
    name: opts.name,
    port: opts.port,
    url: `http://127.0.0.1:${opts.port}`,
    running: alive,
    async start() {
      if (alive()) return;
      fs.mkdirSync(path.dirname(opts.logFile), { recursive: true });
      const log = fs.createWriteStream(opts.logFile, { flags: "a" });
      const c = spawn(process.execPath, ["server.mjs"], {
        cwd: opts.appDir,
        env: { ...opts.env, HOST: "127.0.0.1", PORT: String(opts.port) },
        stdio: ["ignore", "pipe", "pipe"],
      });
      child = c;
      exited = new Promise<void>((resolve) =>
        c.once("exit", () => {
          log.end();
          resolve();
        }),
      );
      c.stderr!.on("data", (chunk) => log.write(chunk));
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`${opts.name} did not start in time; see ${opts.logFile}`)),
          opts.startTimeoutMs ?? 60_000,
        );
        c.once("exit", (code) => {
          clearTimeout(timer);
          reject(new Error(`${opts.name} exited (code ${code}) before listening; see ${opts.logFile}`));
        });
        readline.createInterface({ input: c.stdout! }).on("line", (line) => {
          log.write(line + "\n");
          if (line.includes('"msg":"listening"')) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
    },
    stop: () => end("SIGTERM"),
    kill: () => end("SIGKILL"),
  };
}
