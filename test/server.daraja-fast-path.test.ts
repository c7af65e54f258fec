import type { AddressInfo } from "node:net";
import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { darajaFastPath, darajaRoutes } from "../server/daraja-fast-path.mjs";

// server/daraja-fast-path.mjs: POSTs to /daraja/… route actions skip Remix's request handler. A
// stand-in build with the shapes Remix's build has (routes by id, parentId, path, module.action).

const seen: { routeId: string; params: Record<string, string>; body: string; context: unknown }[] = [];
const errors: string[] = [];
const build = {
  routes: {
    root: { id: "root", path: "", module: {} },
    "routes/daraja.stk.$token": {
      id: "routes/daraja.stk.$token",
      parentId: "root",
      path: "daraja/stk/:token",
      module: {
        action: async ({
          request,
          params,
          context,
        }: {
          request: Request;
          params: Record<string, string>;
          context: unknown;
        }) => {
          const body = await request.text();
          seen.push({ routeId: "stk", params, body, context });
          if (body === "throw-response") throw new Response("teapot", { status: 418, headers: { "X-Thrown": "1" } });
          if (body === "throw-error") throw new Error("boom");
          return Response.json({ ResultCode: 0, ResultDesc: "Accepted" }, { headers: { "X-Route": "stk" } });
        },
      },
    },
    "routes/daraja.c2b.$token.confirmation": {
      id: "routes/daraja.c2b.$token.confirmation",
      parentId: "root",
      path: "daraja/c2b/:token/confirmation",
      module: {
        action: async ({ params }: { params: Record<string, string> }) => Response.json({ token: params.token }),
      },
    },
    "routes/daraja.loader-only": {
      id: "routes/daraja.loader-only",
      parentId: "root",
      path: "daraja/only",
      module: { loader: () => null },
    },
    "routes/app.settings": {
      id: "routes/app.settings",
      parentId: "root",
      path: "app/settings",
      module: { action: () => null },
    },
  },
};

let base = "";
let close: () => void;
beforeAll(async () => {
  const app = express();
  app.use(
    darajaFastPath(build, {
      getLoadContext: (req: express.Request) => ({ remoteAddress: req.socket.remoteAddress }),
      onError: (error: unknown, routeId: string) => errors.push(`${routeId}: ${String(error)}`),
    }),
  );
  app.all("*", (req, res) => res.status(299).send(`remix ${req.method} ${req.path}`)); // stands for Remix
  const server = app.listen(0, "127.0.0.1");
  await new Promise((r) => server.once("listening", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => server.close();
});
afterAll(() => close?.());

const post = (path: string, body = "{}") => fetch(`${base}${path}`, { method: "POST", body });

describe("Daraja fast path", () => {
  it("only /daraja/ routes with an action become matchers", () => {
    expect(darajaRoutes(build).map((r: { id: string }) => r.id)).toEqual([
      "routes/daraja.stk.$token",
      "routes/daraja.c2b.$token.confirmation",
    ]);
  });

  it("dispatches a POST to the route action with decoded params, the streamed body and the load context", async () => {
    const res = await post("/daraja/stk/abc%2Ddef", '{"Body":1}');
    expect(res.status).toBe(200);
    expect(res.headers.get("x-route")).toBe("stk");
    expect(await res.json()).toEqual({ ResultCode: 0, ResultDesc: "Accepted" });
    expect(seen.at(-1)).toMatchObject({
      params: { token: "abc-def" },
      body: '{"Body":1}',
      context: { remoteAddress: "127.0.0.1" },
    });
    expect(await (await post("/daraja/c2b/t0k/confirmation")).json()).toEqual({ token: "t0k" });
  });

  it("a thrown Response is the answer; a thrown error is a 500 that is logged", async () => {
    const thrown = await post("/daraja/stk/x", "throw-response");
    expect(thrown.status).toBe(418);
    expect(thrown.headers.get("x-thrown")).toBe("1");
    expect(await thrown.text()).toBe("teapot");

    const failed = await post("/daraja/stk/x", "throw-error");
    expect(failed.status).toBe(500);
    expect(await failed.json()).toEqual({ ResultCode: 1, ResultDesc: "Internal error: the message was not processed" });
    expect(errors).toEqual(["routes/daraja.stk.$token: Error: boom"]);
  });

  it("everything else goes on to Remix: other methods, other paths, routes without an action", async () => {
    for (const [method, path] of [
      ["GET", "/daraja/stk/abc"],
      ["POST", "/daraja/stk/abc/extra"],
      ["POST", "/daraja/unknown"],
      ["POST", "/daraja/only"],
      ["POST", "/app/settings"],
    ]) {
      const res = await fetch(`${base}${path}`, { method, ...(method === "POST" ? { body: "{}" } : {}) });
      expect(res.status, `${method} ${path}`).toBe(299);
    }
  });

  it("a malformed %-escape in the token is not dispatched (and never crashes the middleware)", async () => {
    const before = seen.length;
    const res = await post("/daraja/stk/%E0%A4%A");
    expect(res.status).not.toBe(500);
    expect(seen.length).toBe(before);
    expect(errors.filter((e) => !e.includes("boom"))).toEqual([]);
  });
});
