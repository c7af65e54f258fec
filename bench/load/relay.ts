import http from "node:http";
import type { AddressInfo } from "node:net";
import { post } from "../../scripts/cluster/shopper";

// Stands between the Daraja emulator and the cluster as the network between Safaricom and the app:
// every STK callback the emulator sends (CallBackURL = this relay) goes on through nginx, and the
// relay decides per callback, by a hash of its CheckoutRequestID (the same decision for the same
// callback): malformed (the body cut in half, the intact one never arrives), duplicated (delivered
// through nginx, then the same body posted straight to a DIFFERENT instance than the one nginx
// chose), or plain. It answers the emulator with the proxy's answer, never retries (Daraja does not),
// and records when each callback was first acknowledged (HTTP 200).

export interface RelayOptions {
  /** Shares of the callbacks that do arrive. */
  malformedShare: number;
  duplicateShare: number;
}

export interface RelayStats {
  received: number;
  acknowledged: number; // HTTP 200 answers from the app (duplicates included)
  malformedSent: number;
  malformedRefused: number; // answered 400 (as the app must)
  duplicatesSent: number;
  duplicatesAcknowledged: number;
  failed: number; // no answer or 5xx: Daraja would not resend it either (recovered by query)
  firstAckAt: number; // epoch ms
  lastAckAt: number;
}

export interface Relay {
  url: string;
  stats: RelayStats;
  /** CheckoutRequestID -> epoch ms of its first 200. */
  ackedAt: Map<string, number>;
  malformed: Set<string>;
  setTargets: (proxyUrl: string, instancePorts: () => { port: number; running: boolean }[]) => void;
  close: () => Promise<void>;
}

/** FNV-1a of the id, in [0, 1): a stable choice per callback. */
export function share(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193) >>> 0;
  return h / 2 ** 32;
}

export async function startRelay(opts: RelayOptions): Promise<Relay> {
  let proxyUrl = "";
  let instances: () => { port: number; running: boolean }[] = () => [];
  const stats: RelayStats = {
    received: 0,
    acknowledged: 0,
    malformedSent: 0,
    malformedRefused: 0,
    duplicatesSent: 0,
    duplicatesAcknowledged: 0,
    failed: 0,
    firstAckAt: 0,
    lastAckAt: 0,
  };
  const ackedAt = new Map<string, number>();
  const malformed = new Set<string>();
  const acked = (id: string) => {
    const now = Date.now();
    stats.acknowledged++;
    stats.firstAckAt ||= now;
    stats.lastAckAt = now;
    if (!ackedAt.has(id)) ackedAt.set(id, now);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", async () => {
      stats.received++;
      const raw = Buffer.concat(chunks).toString("utf8");
      let id = "";
      try {
        id = String(JSON.parse(raw)?.Body?.stkCallback?.CheckoutRequestID ?? "");
      } catch {
        id = "";
      }
      const x = share(id);
      const headers = { "Content-Type": req.headers["content-type"] ?? "application/json" };
      const path = req.url ?? "/";
      let answer;
      if (x < opts.malformedShare) {
        stats.malformedSent++;
        malformed.add(id);
        answer = await post(`${proxyUrl}${path}`, raw.slice(0, Math.floor(raw.length / 2)), headers);
        if (answer.status === 400) stats.malformedRefused++;
      } else {
        answer = await post(`${proxyUrl}${path}`, raw, headers);
        if (answer.status === 200) acked(id);
        else stats.failed++;
        if (x < opts.malformedShare + opts.duplicateShare) {
          const chosen = Number(answer.upstream?.split(":").pop());
          const others = instances().filter((i) => i.running && i.port !== chosen);
          const target = others[Math.floor(share(`${id}#dup`) * others.length)];
          if (target) {
            stats.duplicatesSent++;
            const dup = await post(`http://127.0.0.1:${target.port}${path}`, raw, headers);
            if (dup.status === 200) {
              stats.duplicatesAcknowledged++;
              acked(id);
            }
          }
        }
      }
      res.writeHead(answer.status || 502, { "Content-Type": "application/json" });
      res.end(typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body ?? {}));
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stats,
    ackedAt,
    malformed,
    setTargets: (p, i) => {
      proxyUrl = p;
      instances = i;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
