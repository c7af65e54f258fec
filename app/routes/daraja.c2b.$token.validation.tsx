import type { ActionFunctionArgs } from "@remix-run/node";
import { c2bValidationAction, methodNotAllowed } from "~/modules/daraja-events/c2b-validation/route.server";

// POST /daraja/c2b/<token>/validation — M-PESA asks whether to take a payment (app/modules/daraja-events/c2b-validation/).
export const action = ({ request, params, context }: ActionFunctionArgs) =>
  c2bValidationAction(request, params.token, context);
export const loader = () => methodNotAllowed();
