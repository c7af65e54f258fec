// `npm run emulator`: the Daraja emulator as a standalone server for local development and the sandbox.
// Flags win over environment variables, which win over defaults. The emulator is a separate program
// from the app, so it reads its own EMULATOR_* variables here (app/lib/env.server.ts is the app's).
import { parseArgs } from "node:util";
import {
  DEFAULT_CREDENTIALS,
  SANDBOX_INITIATOR_PASSWORD,
  SANDBOX_PASSKEY,
  SANDBOX_TEST_MSISDN,
  startEmulator,
} from "./index";

const { values } = parseArgs({
  options: {
    port: { type: "string" },
    host: { type: "string" },
    seed: { type: "string" },
    latency: { type: "string" },
    "callback-delay": { type: "string" },
    "callback-jitter": { type: "string" },
    "late-callback-delay": { type: "string" },
    "token-ttl": { type: "string" },
    "spike-arrest": { type: "string" },
    help: { type: "boolean", short: "h" },
  },
});

if (values.help) {
  console.log(`Usage: npm run emulator -- [--port 8089] [--host 127.0.0.1] [--seed 1] [--latency 0]
  [--callback-delay 1000] [--callback-jitter 2000] [--late-callback-delay 60000] [--token-ttl 3600]
  [--spike-arrest <requests per second>]
Environment: EMULATOR_PORT, EMULATOR_HOST, EMULATOR_SEED, EMULATOR_LATENCY_MS, EMULATOR_CALLBACK_DELAY_MS,
  EMULATOR_CALLBACK_JITTER_MS, EMULATOR_LATE_CALLBACK_DELAY_MS, EMULATOR_TOKEN_TTL_SECONDS, EMULATOR_SPIKE_ARREST_PER_SECOND`);
  process.exit(0);
}

function num(flag: string | undefined, envName: string, fallback?: number): number | undefined {
  const raw = flag ?? process.env[envName];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) {
    console.error(`Invalid value for ${envName} / flag: ${raw}`);
    process.exit(2);
  }
  return n;
}

const emulator = await startEmulator({
  port: num(values.port, "EMULATOR_PORT", 8089),
  host: values.host ?? process.env.EMULATOR_HOST ?? "127.0.0.1",
  seed: num(values.seed, "EMULATOR_SEED", 1),
  latencyMs: num(values.latency, "EMULATOR_LATENCY_MS", 0),
  // "Realistic" by default: callbacks 1–3 s after the request.
  callbackDelayMs: num(values["callback-delay"], "EMULATOR_CALLBACK_DELAY_MS", 1000),
  callbackJitterMs: num(values["callback-jitter"], "EMULATOR_CALLBACK_JITTER_MS", 2000),
  lateCallbackDelayMs: num(values["late-callback-delay"], "EMULATOR_LATE_CALLBACK_DELAY_MS", 60_000),
  tokenTtlSeconds: num(values["token-ttl"], "EMULATOR_TOKEN_TTL_SECONDS", 3600),
  spikeArrestPerSecond: num(values["spike-arrest"], "EMULATOR_SPIKE_ARREST_PER_SECOND"),
});

console.log(`Daraja emulator listening on ${emulator.url}
  consumer key     ${DEFAULT_CREDENTIALS.consumerKey}
  consumer secret  ${DEFAULT_CREDENTIALS.consumerSecret}
  STK shortcode    174379
  passkey          ${SANDBOX_PASSKEY}
  test MSISDN      ${SANDBOX_TEST_MSISDN} (times out with 1037, like the real sandbox)
  initiator        testapi / ${SANDBOX_INITIATOR_PASSWORD} (any name; encrypt the password with the
                   emulator's certificate: ${emulator.url}/__emulator/certificate)
  control API      ${emulator.url}/__emulator/
Outcome by the phone's last four digits: 0032 cancelled, 0037 timeout, 0001 insufficient funds,
  2001 wrong PIN, 1019 expired, 0017 rule limited, 0002 callback twice, 0003 late callback,
  0004 no callback; anything else succeeds. See emulator/README.md.`);

const stop = async () => {
  await emulator.close();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
