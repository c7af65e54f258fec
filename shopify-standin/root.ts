import { GraphQLError, Kind, type GraphQLFieldResolver, type GraphQLResolveInfo } from "graphql";
import { toCents, toDecimal } from "./money";
import { canMarkAsPaid, financialStatus, numericId, sums, type StandinOrder, type StandinState } from "./state";
import { APP_NAMESPACE, metafieldView, moneyBag, orderView } from "./views";
import { checkFlowTrigger } from "./flow";

// Root value for one request: the queries and mutations the app uses, with Shopify's rules for manual
// payment methods. Anything else in the schema validates but answers "not implemented", loudly.

type Args = Record<string, any>;
const userError = (field: string[] | null, message: string, code?: string) =>
  code === undefined ? { field, message } : { field, message, code };

/** Unimplemented fields fail loudly instead of quietly resolving to null. */
export const strictFieldResolver: GraphQLFieldResolver<any, unknown> = (source, args, ctx, info) => {
  if (source == null || typeof source !== "object" || !(info.fieldName in source)) {
    throw new GraphQLError(`Shopify stand-in: ${info.parentType.name}.${info.fieldName} is not implemented`);
  }
  const value = source[info.fieldName];
  return typeof value === "function" ? value(args, ctx, info) : value;
};

export function rootValue(state: StandinState, shop: string) {
  const find = (id: unknown) => (typeof id === "string" ? state.findOrder(shop, id) : undefined);

  return {
    order: ({ id }: Args) => {
      const order = find(id);
      return order ? orderView(order) : null;
    },
    shop: () => ({
      __typename: "Shop",
      plan: { __typename: "ShopPlan", partnerDevelopment: !state.liveStores.has(shop.toLowerCase()) },
    }),
    node: ({ id }: Args) => {
      const order = find(id);
      return order ? orderView(order) : null;
    },

    orderMarkAsPaid: ({ input }: Args) => {
      const order = find(input.id);
      if (!order) return { order: null, userErrors: [userError(["id"], "Order does not exist")] };
      if (!canMarkAsPaid(order)) {
        const why = order.cancelledAt ? "Order is cancelled" : "Order has already been paid";
        return { order: orderView(order), userErrors: [userError(["id"], `${why} and cannot be marked as paid`)] };
      }
      state.addTransaction(order, "SALE", sums(order).outstanding, order.paymentGatewayNames[0] ?? "manual");
      return { order: orderView(order), userErrors: [] };
    },

    orderCreateManualPayment: ({ id, amount, paymentMethodName, processedAt }: Args) => {
      const order = find(id);
      const fail = (field: string[], message: string, code: string | null) => ({
        order: order ? orderView(order) : null,
        userErrors: [userError(field, message, code as string)],
      });
      if (!order) return fail(["id"], "Order does not exist", "ORDER_NOT_FOUND");
      if (order.cancelledAt) return fail(["id"], "Order is cancelled", null);
      const { outstanding } = sums(order);
      const cents = amount ? toCents(amount.amount) : outstanding;
      if (amount && amount.currencyCode !== order.presentmentCurrencyCode) {
        return fail(
          ["amount", "currencyCode"],
          "Currency doesn't match the order's presentment currency",
          "CURRENCY_MISMATCH",
        );
      }
      if (!(cents > 0)) return fail(["amount", "amount"], "Amount must be greater than zero", "AMOUNT_NOT_POSITIVE");
      if (cents > outstanding) {
        return fail(
          ["amount", "amount"],
          `Amount exceeds the outstanding balance of ${toDecimal(outstanding)}`,
          "AMOUNT_EXCEEDS_BALANCE",
        );
      }
      if (processedAt && Date.parse(processedAt) > Date.now() + 60_000) {
        return fail(["processedAt"], "Processed at can't be in the future", "PROCESSED_AT_INVALID");
      }
      const gateway = paymentMethodName || "Other";
      state.addTransaction(order, "SALE", cents, gateway, processedAt ?? undefined);
      if (!order.paymentGatewayNames.includes(gateway)) order.paymentGatewayNames.push(gateway);
      return { order: orderView(order), userErrors: [] };
    },

    metafieldsSet: ({ metafields }: Args) => {
      const errors: object[] = [];
      const targets: { order: StandinOrder; input: Args }[] = [];
      (metafields as Args[]).forEach((input, i) => {
        const order = find(input.ownerId);
        const err = (field: string, message: string, code: string) =>
          errors.push({ field: ["metafields", String(i), field], message, code, elementIndex: i });
        if (!order) return err("ownerId", "Owner does not exist", "INVALID");
        if (!/^[A-Za-z0-9_-]{2,64}$/.test(input.key)) return err("key", "Key is invalid", "INVALID");
        if (!input.type) return err("type", "Type can't be blank", "BLANK");
        if (input.type === "single_line_text_field" && /\n/.test(input.value))
          return err("value", "Value must be a single line", "INVALID_VALUE");
        targets.push({ order, input });
      });
      if (metafields.length > 25)
        errors.push({
          field: ["metafields"],
          message: "Exceeded the maximum metafields input limit of 25.",
          code: "LESS_THAN_OR_EQUAL_TO",
          elementIndex: null,
        });
      // Atomic like Shopify: nothing is written when any input is invalid.
      if (errors.length) return { metafields: [], userErrors: errors };
      const saved = targets.map(({ order, input }) =>
        metafieldView(
          order,
          state.upsertMetafield(order, {
            namespace: input.namespace ?? APP_NAMESPACE,
            key: input.key,
            type: input.type,
            value: input.value,
          }),
        ),
      );
      return { metafields: saved, userErrors: [] };
    },

    tagsAdd: ({ id, tags }: Args) => {
      const order = find(id);
      if (!order) return { node: null, userErrors: [userError(["id"], "Resource not found")] };
      for (const raw of tags as string[]) {
        for (const tag of raw
          .split(",")
          .map((t) => t.trim())
          .filter(Boolean)) {
          if (tag.length > 255)
            return { node: null, userErrors: [userError(["tags"], "Tag is too long (maximum is 255 characters)")] };
          if (!order.tags.some((t) => t.toLowerCase() === tag.toLowerCase())) order.tags.push(tag);
        }
      }
      return { node: orderView(order), userErrors: [] };
    },

    flowTriggerReceive: ({ handle, payload, body }: Args) => {
      // `body` (deprecated) carried handle and payload as one JSON string.
      if (body !== undefined && body !== null && handle == null)
        return { userErrors: [userError(["body"], "body is deprecated: send handle and payload")] };
      const userErrors = checkFlowTrigger(state.flowTriggerDefinitions, handle, payload, (id) => !!find(String(id)));
      if (userErrors.length) return { userErrors };
      state.flowTriggers.push({ at: new Date().toISOString(), shop, handle, payload });
      return { userErrors: [] };
    },

    tagsRemove: ({ id, tags }: Args) => {
      const order = find(id);
      if (!order) return { node: null, userErrors: [userError(["id"], "Resource not found")] };
      const gone = new Set(
        (tags as string[]).flatMap((raw) =>
          raw
            .split(",")
            .map((t) => t.trim().toLowerCase())
            .filter(Boolean),
        ),
      );
      order.tags = order.tags.filter((t) => !gone.has(t.toLowerCase()));
      return { node: orderView(order), userErrors: [] };
    },

    refundCreate: ({ input }: Args, _ctx: unknown, info: GraphQLResolveInfo) => {
      // From Admin 2026-04 the key is required; a replayed key answers the refund it already made.
      const key = idempotencyKey(info);
      const replay = state.idempotent.get(`${shop}|refundCreate|${key}`);
      if (replay) return replay();
      const answer = createRefund(input);
      const made = answer.refund;
      if (made) {
        const order = find(input.orderId)!;
        state.idempotent.set(`${shop}|refundCreate|${key}`, () => ({
          order: orderView(order),
          refund: made,
          userErrors: [],
        }));
      }
      return answer;
    },
  };

  function createRefund(input: Args) {
    {
      const order = find(input.orderId);
      if (!order) return { order: null, refund: null, userErrors: [userError(["orderId"], "Order does not exist")] };
      const { paid, refunded } = sums(order);
      const txs = (input.transactions ?? []) as Args[];
      const total = txs.reduce((s, t) => s + toCents(t.amount), 0);
      if (txs.some((t) => t.kind !== "REFUND" || !(toCents(t.amount) > 0))) {
        return {
          order: orderView(order),
          refund: null,
          userErrors: [userError(["transactions"], "Refund transactions must be positive REFUND amounts")],
        };
      }
      if (total > paid - refunded && !input.allowOverRefunding) {
        return {
          order: orderView(order),
          refund: null,
          userErrors: [userError(["transactions"], "Refund amount exceeds the amount paid")],
        };
      }
      for (const t of txs)
        state.addTransaction(
          order,
          "REFUND",
          toCents(t.amount),
          t.gateway,
          input.processedAt ?? undefined,
          t.parentId ? numericId(t.parentId, "OrderTransaction") : undefined,
        );
      const refund = {
        __typename: "Refund",
        id: `gid://shopify/Refund/${order.id}${order.transactions.length}`,
        note: input.note ?? null,
        createdAt: new Date().toISOString(),
        totalRefundedSet: moneyBag(order, total),
        order: () => orderView(order),
      };
      state.refunds.push({ shop, orderGid: order.gid, id: refund.id, note: refund.note, amountCents: total });
      return { order: orderView(order), refund, userErrors: [] };
    }
  }
}

/** The `@idempotent(key:)` directive on the field, as Shopify requires it (non-blank). */
function idempotencyKey(info: GraphQLResolveInfo): string {
  const directive = info.fieldNodes[0]?.directives?.find((d) => d.name.value === "idempotent");
  const arg = directive?.arguments?.find((a) => a.name.value === "key");
  let key: unknown;
  if (arg?.value.kind === Kind.VARIABLE) key = info.variableValues[arg.value.name.value];
  else if (arg?.value.kind === Kind.STRING) key = arg.value.value;
  if (typeof key !== "string" || key.trim() === "")
    throw new GraphQLError("The @idempotent directive with a non-blank key is required for this mutation.", {
      extensions: { code: "BAD_REQUEST" },
    });
  return key;
}

/** The order as the control API shows it (plain JSON for tests and the sandbox). */
export function orderSnapshot(order: StandinOrder) {
  const { paid, refunded, outstanding } = sums(order);
  return {
    id: order.gid,
    legacyResourceId: order.id,
    shop: order.shop,
    name: order.name,
    confirmationNumber: order.confirmationNumber,
    displayFinancialStatus: financialStatus(order),
    canMarkAsPaid: canMarkAsPaid(order),
    currencyCode: order.currencyCode,
    presentmentCurrencyCode: order.presentmentCurrencyCode,
    total: toDecimal(order.totalCents),
    outstanding: toDecimal(outstanding),
    received: toDecimal(paid - refunded),
    paymentGatewayNames: [...order.paymentGatewayNames],
    phone: order.phone,
    email: order.email,
    cancelledAt: order.cancelledAt,
    transactions: order.transactions.map((t) => ({
      id: `gid://shopify/OrderTransaction/${t.id}`,
      kind: t.kind,
      status: t.status,
      gateway: t.gateway,
      amount: toDecimal(t.amountCents),
      processedAt: t.processedAt,
    })),
    metafields: order.metafields.map(({ namespace, key, type, value }) => ({ namespace, key, type, value })),
    tags: [...order.tags],
  };
}
