// GET /healthz — liveness for load balancers, and the baseline route of the callback benchmark.
export const loader = () => new Response("ok", { status: 200, headers: { "Content-Type": "text/plain" } });
