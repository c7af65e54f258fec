import db from "~/db.server";
import { env } from "~/lib/env.server";
import { checkReadiness } from "~/lib/readiness.server";

// GET /readyz — readiness for load balancers and orchestrators: 200 when the database answers and
// every migration of this build is applied, 503 otherwise (and while the process shuts down: server.mjs
// answers 503 itself then). Liveness is /healthz.
export const loader = async () => {
  const readiness = await checkReadiness(db, env().DATABASE_URL);
  return Response.json(readiness.ready ? { status: "ready" } : { status: "not ready", ...readiness }, {
    status: readiness.ready ? 200 : 503,
    headers: { "Cache-Control": "no-store" },
  });
};
