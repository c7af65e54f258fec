import { z } from "zod";

// Shopify's mandatory compliance webhook payloads (REST-shaped; ids are numbers).

const id = z.union([z.number(), z.string().min(1)]);
const customer = z.object({ id, email: z.string().nullish(), phone: z.string().nullish() });

export const CustomersRedactPayload = z.object({
  customer,
  orders_to_redact: z.array(id).nullish(),
});

export const CustomersDataRequestPayload = z.object({
  customer,
  orders_requested: z.array(id).nullish(),
  data_request: z.object({ id }).nullish(),
});
