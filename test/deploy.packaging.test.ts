import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import dockerignore from "@balena/dockerignore";
import semver from "semver";
import { parse as parseYaml } from "yaml";
import { describe, expect, it } from "vitest";
import { ROOT } from "./support/databases";

// The deploy artefacts, checked without a Docker engine: what .dockerignore keeps out of the image
// (Docker's own matching rules, ported by @balena/dockerignore), the Dockerfile's base image and user,
// the Compose file's shape, and its nginx configuration through `nginx -t`.

const read = (file: string) => fs.readFileSync(path.join(ROOT, file), "utf8");

// Node majors with upstream LTS support at the time of writing (22: until 2027-04-30; 24: until 2028-04-30).
const SUPPORTED_NODE_MAJORS = [22, 24];

describe(".dockerignore", () => {
  const ignored = dockerignore().add(read(".dockerignore"));

  it("keeps every database, environment file and build output out of the image, at any depth", () => {
    for (const file of [
      "prisma/dev.sqlite",
      "prisma/dev.sqlite-wal",
      "prisma/dev.sqlite-journal",
      "dev.sqlite",
      "data/nested/shop.db",
      ".env",
      "a/b/.env",
      "a/b/.env.production",
      "extensions/checkout-ui/.env",
      "node_modules/prisma/package.json",
      "extensions/checkout-ui/node_modules/preact/package.json",
      "build/server/index.js",
      "extensions/checkout-ui/dist/index.js",
      "test-artifacts/shot.png",
      "bench/results/run.json",
      ".sandbox/state.json",
      ".git/HEAD",
      ".cache/vitest-sqlite.json",
    ]) {
      expect(ignored.ignores(file), file).toBe(true);
    }
  });

  it("lets the sources the image is built from in", () => {
    for (const file of [
      "package.json",
      "package-lock.json",
      "server.mjs",
      "prisma/schema.prisma",
      "scripts/db.mjs",
      "app/root.tsx",
    ]) {
      expect(ignored.ignores(file), file).toBe(false);
    }
    const migrations = fs
      .readdirSync(path.join(ROOT, "prisma", "postgres", "migrations"))
      .filter((n) => n !== "migration_lock.toml");
    expect(ignored.ignores(`prisma/postgres/migrations/${migrations[0]}/migration.sql`)).toBe(false);
  });
});

describe("Dockerfile", () => {
  const dockerfile = read("Dockerfile");
  const stages = dockerfile.split(/^FROM /m).slice(1);

  it("builds every stage on a supported Node LTS that package.json's engines accept", () => {
    const engines = JSON.parse(read("package.json")).engines.node as string;
    expect(stages.length).toBeGreaterThan(0);
    for (const stage of stages) {
      const image = stage.split(/\s/)[0];
      const major = Number(/^node:(\d+)[.-]/.exec(image)?.[1]);
      expect(SUPPORTED_NODE_MAJORS, image).toContain(major);
      expect(semver.intersects(engines, `${major}.x`), `${engines} vs ${major}`).toBe(true);
    }
  });

  it("runs as a non-root user", () => {
    const final = stages.at(-1)!;
    const users = [...final.matchAll(/^USER\s+(\S+)/gm)].map((m) => m[1]);
    expect(users.length).toBeGreaterThan(0);
    expect(["root", "0", "0:0"]).not.toContain(users.at(-1));
    // The user is set before the command runs.
    expect(final.lastIndexOf("USER ")).toBeLessThan(final.indexOf("CMD "));
  });

  it("starts the way the boot test starts it (npm run docker-start)", () => {
    expect(stages.at(-1)).toMatch(/^CMD \["npm", "run", "docker-start"\]$/m);
    expect(JSON.parse(read("package.json")).scripts["docker-start"]).toBe("npm run setup && exec node server.mjs");
  });
});

describe("compose.yaml", () => {
  const compose = parseYaml(read("compose.yaml"), { merge: true });

  it("runs two app instances on PostgreSQL behind nginx", () => {
    expect(Object.keys(compose.services).sort()).toEqual(["app1", "app2", "nginx", "postgres"]);
    for (const name of ["app1", "app2"]) {
      const app = compose.services[name];
      expect(app.build).toBe(".");
      expect(app.environment.DATABASE_URL).toMatch(
        /^postgresql:\/\/mpesa:\$\{POSTGRES_PASSWORD[^}]*\}@postgres:5432\/mpesa$/,
      );
      expect(app.depends_on.postgres.condition).toBe("service_healthy");
      // Docker's grace period outlasts the app's own shutdown deadline.
      expect(Number.parseInt(app.stop_grace_period) * 1000).toBeGreaterThan(
        Number(app.environment.SHUTDOWN_TIMEOUT_MS),
      );
    }
    const nginx = compose.services.nginx;
    expect(nginx.volumes).toContain("./deploy/nginx.conf:/etc/nginx/nginx.conf:ro");
    // The only proxy the apps trust is nginx's fixed address.
    expect(compose.services.app1.environment.TRUSTED_PROXIES).toBe(nginx.networks.internal.ipv4_address);
  });

  it("keeps the pools under PostgreSQL's connection limit", () => {
    const max = Number(/max_connections=(\d+)/.exec(compose.services.postgres.command.join(" "))?.[1]);
    const pools = ["app1", "app2"].map((n) => Number(compose.services[n].environment.DATABASE_POOL_MAX));
    expect(pools.reduce((a, b) => a + b, 0)).toBeLessThan(max);
  });
});

describe("deploy/nginx.conf", () => {
  const conf = read("deploy/nginx.conf");

  it("balances over exactly the compose app services and hides /metrics", () => {
    const upstreams = [...conf.matchAll(/^\s*server\s+([\w.-]+):3000\b/gm)].map((m) => m[1]);
    expect(upstreams.sort()).toEqual(["app1", "app2"]);
    expect(conf).toMatch(/location = \/metrics \{\s*return 404;/);
    expect(conf).toMatch(/proxy_set_header X-Forwarded-For \$remote_addr;/);
  });

  it("is accepted by nginx -t", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-t-"));
    try {
      // A throwaway certificate, and the compose host names (which only resolve inside compose) as loopback.
      execFileSync(
        "openssl",
        [
          "req",
          "-x509",
          "-newkey",
          "rsa:2048",
          "-nodes",
          "-subj",
          "/CN=localhost",
          "-days",
          "1",
          "-keyout",
          path.join(dir, "privkey.pem"),
          "-out",
          path.join(dir, "fullchain.pem"),
        ],
        { stdio: "ignore" },
      );
      const local = conf
        .replaceAll("/etc/nginx/certs/", `${dir}/`)
        .replace(/\bapp(\d):3000/g, "127.0.0.$1:3000")
        .replace("/tmp/nginx.pid", `${dir}/nginx.pid`)
        .replace("/var/log/nginx/access.log", `${dir}/access.log`);
      fs.writeFileSync(path.join(dir, "nginx.conf"), local);
      const result = (() => {
        try {
          return {
            ok: true,
            out: execFileSync("nginx", ["-t", "-p", dir, "-c", path.join(dir, "nginx.conf")], {
              encoding: "utf8",
              stdio: "pipe",
            }),
          };
        } catch (error) {
          return { ok: false, out: String((error as { stderr?: string }).stderr ?? error) };
        }
      })();
      expect(result.ok, result.out).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
