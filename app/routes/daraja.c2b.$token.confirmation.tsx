import type { ActionFunctionArgs } from "@remix-run/node";
import { c2bConfirmationAction, methodNotAllowed } from "~/modules/daraja-events/c2b-confirmation/route.server";

// POST /daraja/c2b/<token>/confirmation — a paybill/till payment (app/modules/daraja-events/c2b-confirmation/).
export const action = ({ request, params, context }: ActionFunctionArgs) =>
  c2bConfirmationAction(request, params.token, context);
export const loader = () => methodNotAllowed();
