import type { ActionFunctionArgs } from "@remix-run/node";
import { initiatorEventAction, methodNotAllowed } from "~/modules/daraja-events/initiator-result/route.server";

// POST /daraja/result/<op>/<token> — a refund's B2C / Reversal / Transaction Status / Account Balance
// result (app/modules/daraja-events/initiator-result/).
export const action = ({ request, params, context }: ActionFunctionArgs) =>
  initiatorEventAction(request, "RESULT", params.op, params.token, context);
export const loader = () => methodNotAllowed();
