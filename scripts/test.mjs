#!/usr/bin/env node
// The whole test suite, as CI runs it: format check, lint, import boundaries, type-check, schema drift check, then every test on SQLite and
// again on PostgreSQL (TEST_DATABASE_URL, default the local server). Extra arguments go to vitest.
import { spawnSync } from "node:child_process";
import fs from "node:fs";

const extra = process.argv.slice(2);
const pgUrl = process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/mpesa_checkout_test";

function run(label, cmd, args, env = {}) {
  console.log(`\n=== ${label}`);
  const r = spawnSync(cmd, args, { stdio: "inherit", env: { ...process.env, ...env } });
  if (r.status !== 0) {
    console.error(`\n${label} failed (exit ${r.status})`);
    process.exit(r.status ?? 1);
  }
}

run("format (prettier --check)", "npx", ["prettier", "--check", "."]);
run("lint (eslint, zero warnings)", "npx", ["eslint", ".", "--max-warnings", "0"]);
run("import boundaries (dependency-cruiser)", "npm", ["run", "--silent", "lint:deps"]);
run("prisma/postgres schema in sync", "node", ["scripts/db.mjs", "check"]);
run("typecheck", "npx", ["tsc", "--noEmit"]);
run("typecheck extension", "npx", ["tsc", "-p", "extensions/checkout-ui/tsconfig.json"]);
run("typecheck admin extension", "npx", ["tsc", "-p", "extensions/admin-order-block/tsconfig.json"]);
run("build", "npx", ["remix", "vite:build"], { NODE_ENV: "production" });
// Each vitest run also writes a JSON report, so the totals of both runs can be summed at the end.
fs.mkdirSync(".cache", { recursive: true });
const reporters = (name) => ["--reporter=default", "--reporter=json", `--outputFile.json=.cache/vitest-${name}.json`];
run("tests on SQLite", "npx", ["vitest", "run", ...reporters("sqlite"), ...extra], { TEST_DATABASE_URL: "" });
// One file at a time here: on the 2-core CI machine, two PostgreSQL-backed files at once (app servers,
// browsers and the database server all on the same cores) made timing-bound tests flaky.
run(
  "tests on PostgreSQL",
  "npx",
  ["vitest", "run", "--project", "app", "--maxWorkers=1", ...reporters("postgresql"), ...extra],
  {
    TEST_DATABASE_URL: pgUrl,
  },
);

let passed = 0;
let failed = 0;
let skipped = 0;
for (const name of ["sqlite", "postgresql"]) {
  const report = JSON.parse(fs.readFileSync(`.cache/vitest-${name}.json`, "utf8"));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests + (report.numTodoTests ?? 0);
}
console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
