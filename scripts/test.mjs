#!/usr/bin/env node
// The whole test suite, as CI runs it: format check, lint, import boundaries, type-check, schema drift check, then every test on SQLite and
// again on PostgreSQL but the browser tests (TEST_DATABASE_URL, default the local server). Extra arguments go to vitest.
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
// On PostgreSQL (vitest.config.ts, TEST_GROUP, says which file goes where): the browser tests are not
// run again; the timing-bound files go one at a time (on the 2-core CI machine, two of them at once
// beside the database server made them flaky); every other file runs two at a time, as on SQLite.
const onPostgres = (group) => ({ TEST_DATABASE_URL: pgUrl, TEST_GROUP: group });
run(
  "tests on PostgreSQL (two files at a time)",
  "npx",
  ["vitest", "run", "--project", "app", ...reporters("postgresql"), ...extra],
  onPostgres("parallel"),
);
run(
  "tests on PostgreSQL (timing-bound files, one at a time)",
  "npx",
  ["vitest", "run", "--project", "app", "--maxWorkers=1", ...reporters("postgresql-serial"), ...extra],
  onPostgres("serial"),
);

let passed = 0;
let failed = 0;
let skipped = 0;
for (const name of ["sqlite", "postgresql", "postgresql-serial"]) {
  const report = JSON.parse(fs.readFileSync(`.cache/vitest-${name}.json`, "utf8"));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests + (report.numTodoTests ?? 0);
}
console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
