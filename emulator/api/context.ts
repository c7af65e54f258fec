import type { State } from "../state";
import type { Body } from "../validate";

/** What an M-PESA endpoint handler gets once the gateway checks (method, token, JSON) have passed. */
export type ApiContext = { state: State; body: Body; requestId: string };
