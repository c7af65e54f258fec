import type { ActionFunctionArgs } from "@remix-run/node";
import { initiatorEventAction, methodNotAllowed } from "~/modules/daraja-events/initiator-result/route.server";

// POST /daraja/timeout/<op>/<token> — M-PESA's queue timed a refund's request out
// (app/modules/daraja-events/initiator-result/).
export const action = ({ request, params, context }: ActionFunctionArgs) =>
  initiatorEventAction(request, "QUEUE_TIMEOUT", params.op, params.token, context);
export const loader = () => methodNotAllowed();
