import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import readline from "node:readline";
import { EnvSchema } from "../../app/lib/env.server";

// Runs the built app the way production does (`node server.mjs`) in a child process, with an
// environment made only of the sandbox's settings: any app variable in the caller's environment
// (a real shop's DARAJA_* or SHOPIFY_* from a .env, a test's JOB_WORKER=false) is dropped first.

export type AppProcess = {
  url: string;
  port: number;
  /** Resolves with the exit code when the app process ends, whoever ended it. */
  exited: Promise<number | null>;
  stop(): Promise<void>;
};

export function appEnvironment(inherited: NodeJS.ProcessEnv, sandbox: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...inherited };
  for (const name of Object.keys(EnvSchema.shape)) delete env[name];
  for (const name of Object.keys(env)) if (name.startsWith("VITEST") || name === "HOST") delete env[name];
  return { ...env, ...sandbox };
}

export async function startAppProcess(opts: {
  /** Holds server.mjs and build/ (see buildAndSnapshot). */
  appDir: string;
  env: NodeJS.ProcessEnv;
  logFile: string;
  echo?: boolean;
  startTimeoutMs?: number;
}): Promise<AppProcess> {
  fs.mkdirSync(path.dirname(opts.logFile), { recursive: true });
  const log = fs.createWriteStream(opts.logFile, { flags: "a" });
  const child = spawn(process.execPath, ["server.mjs"], {
    cwd: opts.appDir,
    env: opts.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stderr!.on("data", (chunk) => {
    log.write(chunk);
    if (opts.echo) process.stderr.write(chunk);
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the app did not start in time; see ${opts.logFile}`)),
      opts.startTimeoutMs ?? 60_000,
    );
    exited.then((code) => reject(new Error(`the app exited (code ${code}) before listening; see ${opts.logFile}`)));
    readline.createInterface({ input: child.stdout! }).on("line", (line) => {
      log.write(line + "\n");
      if (opts.echo) process.stdout.write(line + "\n");
      const msg = parseJson(line);
      if (msg?.msg === "listening" && typeof msg.port === "number") {
        clearTimeout(timer);
        resolve(msg.port);
      }
    });
  }).catch(async (e) => {
    await stopChild(child, exited);
    throw e;
  });

  const host = opts.env.HOST ?? "127.0.0.1";
  return {
    url: `http://${host}:${port}`,
    port,
    exited,
    stop: async () => {
      await stopChild(child, exited);
      log.end();
    },
  };
}

function parseJson(line: string): Record<string, unknown> | null {
  try {
    return JSON.parse(line);
  } catch {
    return null;
  }
}

/** SIGTERM lets server.mjs stop its job worker; a child that hangs is killed after 5 s. */
async function stopChild(child: ChildProcess, exited: Promise<unknown>) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}
