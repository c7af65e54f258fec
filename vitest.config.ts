import { configDefaults, defineConfig } from "vitest/config";
import tsconfigPaths from "vite-tsconfig-paths";
import { EMULATOR_CERTIFICATE } from "./emulator/initiator-key";

// Values every test process sees. Real secrets never appear here: these are test-only constants.
const testEnv = {
  NODE_ENV: "test" as const,
  SHOPIFY_API_KEY: "testApiKey",
  SHOPIFY_API_SECRET: "testApiSecretKey",
  SHOPIFY_APP_URL: "https://my-test-app.myshopify.io",
  SCOPES: "read_orders,write_orders",
  ENCRYPTION_KEY: "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
  LOG_LEVEL: "silent",
  JOB_WORKER: "false",
  // Tests talk to the Daraja emulator, never to Safaricom: initiator passwords are encrypted with the
  // emulator's certificate (public on purpose, emulator/README.md "Initiator credentials").
  DARAJA_SANDBOX_CERTIFICATE: EMULATOR_CERTIFICATE,
  DARAJA_PRODUCTION_CERTIFICATE: EMULATOR_CERTIFICATE,
};

// *.cluster.test.ts start several app instances on one PostgreSQL database behind nginx: they belong
// to the PostgreSQL run (TEST_DATABASE_URL=postgresql://…) and are not collected in the SQLite run.
const onPostgres = !!process.env.TEST_DATABASE_URL?.startsWith("postgres");

// How `npm test` splits its PostgreSQL run (TEST_GROUP; unset, a run takes every file):
//  - browser tests (*.browser.test.ts) run on SQLite only: they check what the pages show and do; every
//    route and query behind them has its own test, which runs on both databases;
//  - timing-bound files (pacing against Shopify's bucket, several instances behind nginx, deploy checks
//    that boot the production server, the sandbox's full payment flows) run one at a time
//    (TEST_GROUP=serial): two of them at once beside the database server on the 2-core CI machine made
//    them flaky;
//  - every other file runs two at a time (TEST_GROUP=parallel).
const browserTests = ["test/**/*.browser.test.ts"];
const timingBound = [
  "test/**/*.cluster.test.ts",
  "test/**/*pacing*.test.ts",
  "test/deploy.*.test.ts",
  "test/sandbox.test.ts",
  "test/reconciliation.receipt-pending.test.ts",
];
const group = process.env.TEST_GROUP;
if (group && group !== "serial" && group !== "parallel") throw new Error(`TEST_GROUP=${group}: serial or parallel`);
const appFiles = ["app/**/*.test.ts", "test/**/*.test.ts", "emulator/**/*.test.ts", "shopify-standin/**/*.test.ts"];

export default defineConfig({
  test: {
    // Vitest's default is one worker fewer than the CPUs: on the 2-core CI machine that is one file at a
    // time, though most files spend their time waiting on servers, jobs and browsers. Two files at once.
    maxWorkers: 2,
    projects: [
      {
        plugins: [tsconfigPaths()],
        test: {
          name: "app",
          environment: "node",
          include: group === "serial" ? timingBound : appFiles,
          exclude: [
            ...configDefaults.exclude,
            ...(onPostgres ? [] : ["test/**/*.cluster.test.ts"]),
            ...(group ? browserTests : []),
            ...(group === "parallel" ? timingBound : []),
          ],
          env: testEnv,
          globalSetup: ["test/support/global-setup.ts"],
          setupFiles: ["test/support/per-file-db.ts"],
          pool: "forks",
          testTimeout: 30_000,
          hookTimeout: 60_000,
          sequence: { shuffle: true },
        },
      },
      {
        esbuild: { jsx: "automatic", jsxImportSource: "preact" },
        test: {
          name: "checkout-ui",
          environment: "jsdom",
          include: ["extensions/checkout-ui/**/*.test.{ts,tsx}"],
          server: { deps: { inline: ["@shopify/ui-extensions-tester"] } },
        },
      },
      {
        esbuild: { jsx: "automatic", jsxImportSource: "preact" },
        test: {
          name: "admin-order-block",
          environment: "jsdom",
          include: ["extensions/admin-order-block/**/*.test.{ts,tsx}"],
          server: { deps: { inline: ["@shopify/ui-extensions-tester"] } },
        },
      },
    ],
  },
});
