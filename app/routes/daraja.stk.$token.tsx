import type { ActionFunctionArgs } from "@remix-run/node";
import { methodNotAllowed, stkCallbackAction } from "~/modules/daraja-events/stk-callback/route.server";

// POST /daraja/stk/<token> — Daraja's STK Push result (app/modules/daraja-events/stk-callback/).
export const action = ({ request, params, context }: ActionFunctionArgs) =>
  stkCallbackAction(request, params.token, context);
export const loader = () => methodNotAllowed();
