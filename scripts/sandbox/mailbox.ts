import http from "node:http";
import type { AddressInfo } from "node:net";
import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

// A real SMTP server on this machine (smtp-server, nodemailer's own server library) that keeps what it
// receives in memory: the sandbox points the app's SMTP_URL at it, tests start one of their own. Its
// messages are served as JSON on a small HTTP port for the sandbox's mail page (GET /messages).
// `refuse(n)` makes the next n sessions fail (421 at connect: "SMTP down" for the retry tests).

export interface ReceivedMail {
  id: number;
  receivedAt: string;
  envelopeFrom: string | null;
  envelopeTo: string[];
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  attachments: { filename: string; contentType: string; content: string }[];
}

export interface Mailbox {
  /** smtp://127.0.0.1:<port> — what SMTP_URL is set to. */
  smtpUrl: string;
  /** http://127.0.0.1:<port> — GET /messages. */
  httpUrl: string;
  messages(): ReceivedMail[];
  waitFor(pred: (m: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  /** Refuse the next n SMTP sessions (421 Service not available). */
  refuse(n: number): void;
  refusedSessions(): number;
  clear(): void;
  close(): Promise<void>;
}

export async function startMailbox(
  opts: { host?: string; smtpPort?: number; httpPort?: number } = {},
): Promise<Mailbox> {
  const host = opts.host ?? "127.0.0.1";
  const received: ReceivedMail[] = [];
  let toRefuse = 0;
  let refused = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    size: 10 * 1024 * 1024,
    onConnect(_session, callback) {
      if (toRefuse > 0) {
        toRefuse--;
        refused++;
        const err = Object.assign(new Error("Service not available (sandbox mailbox refusing)"), { responseCode: 421 });
        return callback(err);
      }
      callback();
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          const addresses = (a: unknown) =>
            (Array.isArray(a) ? a : a ? [a] : []).map((x: { text?: string }) => x.text ?? "").join(", ");
          received.push({
            id: received.length + 1,
            receivedAt: new Date().toISOString(),
            envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
            envelopeTo: session.envelope.rcptTo.map((r) => r.address),
            from: addresses(mail.from),
            to: addresses(mail.to),
            subject: mail.subject ?? "",
            text: mail.text ?? "",
            html: typeof mail.html === "string" ? mail.html : "",
            attachments: mail.attachments.map((a) => ({
              filename: a.filename ?? "",
              contentType: a.contentType,
              content: a.content.toString("utf8"),
            })),
          });
          callback();
        })
        .catch((error: Error) => callback(error));
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.smtpPort ?? 0, host, () => resolve());
  });
  server.on("error", () => {}); // a client hanging up mid-session is not the server's failure
  const smtpPort = ((server as unknown as { server: http.Server }).server.address() as AddressInfo).port;

  const web = http.createServer((req, res) => {
    if (req.method === "GET" && req.url === "/messages") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ messages: [...received].reverse() }));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => web.listen(opts.httpPort ?? 0, host, () => resolve()));
  const httpPort = (web.address() as AddressInfo).port;

  return {
    smtpUrl: `smtp://${host}:${smtpPort}`,
    httpUrl: `http://${host}:${httpPort}`,
    messages: () => [...received],
    async waitFor(pred, timeoutMs = 60_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const hit = received.find(pred);
        if (hit) return hit;
        if (Date.now() > until) throw new Error(`no such mail within ${timeoutMs} ms (${received.length} received)`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    refuse: (n) => void (toRefuse = n),
    refusedSessions: () => refused,
    clear: () => void received.splice(0),
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => web.close(() => resolve()));
    },
  };
}
