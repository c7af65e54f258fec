import { useCallback, useEffect, useRef, useState } from "react";
import {
  Badge,
  Banner,
  BlockStack,
  Button,
  Card,
  ChoiceList,
  InlineStack,
  Select,
  Text,
  TextField,
} from "@shopify/polaris";
import { copy, formatKes } from "../../../../extensions/checkout-ui/src/copy";
import { PHONE_ANSWERS, phoneForAnswer, type PhoneAnswer } from "../demo";
import type { SandboxOrder } from "../page.server";
import type { RefusalCode } from "@mpesa-checkout/pay-contract";
import { getPayStatus, startPayment, type AttemptView, type CheckoutOrder, type PayStatus } from "./checkout-client";
import { AdminRefundPanel } from "./AdminRefundPanel";
import { PaybillPanel } from "./PaybillPanel";
import { PaymentOutcome } from "./PaymentOutcome";

// The shopper's side: pick an order, enter a phone number, choose how the phone answers, pay; then
// watch the attempt as the thank-you page block would (polling /api/pay/status).

// Slower than the app's per-session status limit allows (STATUS_LIMIT_PER_SESSION, 60 a minute by default).
const POLL_MS = 2000;
/** /api/pay/status reason codes (the shared contract), in words: a new code is a type error here. */
const NOT_PAYABLE: Record<RefusalCode, string> = {
  ALREADY_PAID: "This order is already paid.",
  ORDER_NOT_FOUND_YET: "The app has not seen this order yet.",
  NOT_MPESA: "This order was not placed with the M-PESA payment method.",
  CANCELLED: "This order was cancelled.",
  NOT_KES: "This order is not in Kenyan shillings.",
  SHOP_NOT_CONFIGURED: "The shop has not saved its M-PESA settings.",
  NOTHING_OUTSTANDING: "Nothing is left to pay on this order.",
  UNDER_REVIEW: "A payment for this order is being checked by the shop.",
  NO_CONFIRMATION_NUMBER: "This order has no confirmation number, so the app cannot tell it is the shopper's.",
};
const answerOptions = Object.entries(PHONE_ANSWERS).map(([value, a]) => ({ value, label: a.label }));

export function financialBadge(status: string | undefined) {
  if (!status) return <Badge>unknown</Badge>;
  const tone = status === "PAID" ? "success" : status === "PARTIALLY_PAID" ? "attention" : "warning";
  return <Badge tone={tone}>{status.toLowerCase().replace(/_/g, " ")}</Badge>;
}

export function ShopperPanel({ orders }: { orders: SandboxOrder[] }) {
  const [orderId, setOrderId] = useState(orders[0]?.gid ?? "");
  const [phone, setPhone] = useState("0712 345 678");
  const [answer, setAnswer] = useState<PhoneAnswer>("pay");
  const [status, setStatus] = useState<PayStatus | null>(null);
  const [attempt, setAttempt] = useState<AttemptView | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // Bumped on every new attempt (prompt or paybill): the panels drop the banners of the previous one.
  const [attemptSeq, setAttemptSeq] = useState(0);
  const poll = useRef<ReturnType<typeof setTimeout>>();

  // After "Reset" (or an order gone) the chosen order no longer exists: take the first one.
  useEffect(() => {
    if (orders.length && !orders.some((o) => o.gid === orderId)) setOrderId(orders[0].gid);
  }, [orders, orderId]);

  // The thank-you page's view of the chosen order (read through a ref: `refresh` stays stable).
  const ordersRef = useRef(orders);
  ordersRef.current = orders;
  const selected = (id: string): CheckoutOrder => ({
    gid: id,
    confirmationNumber: ordersRef.current.find((o) => o.gid === id)?.confirmationNumber ?? null,
  });

  // The order shown now: an answer about another one (chosen before, or gone after "Reset") is dropped.
  const current = useRef(orderId);
  current.current = orderId;
  const refresh = useCallback(async (id: string) => {
    clearTimeout(poll.current);
    try {
      const s = await getPayStatus(selected(id));
      if (current.current !== id) return;
      setStatus(s);
      setAttempt(s.attempt ?? null);
      if (s.attempt?.status === "PENDING") poll.current = setTimeout(() => refresh(id), POLL_MS);
    } catch (e) {
      if (current.current === id) setNotice((e as Error).message);
    }
  }, []);

  useEffect(() => {
    setAttempt(null);
    setNotice(null);
    setStatus(null); // nothing said about the previous order stays while this one's status loads
    if (orderId) void refresh(orderId);
    return () => clearTimeout(poll.current);
  }, [orderId, refresh]);

  // A payment from the M-PESA menu changes the order underneath (the live panel polls the orders):
  // read the block's view again when the chosen order's balance or status changes.
  // The status route serves the order from a short cache (ORDER_CACHE_SECONDS), so the block's view
  // catches up a few seconds later: look again, a bounded number of times, until it agrees.
  const chosen = orders.find((o) => o.gid === orderId);
  const behind = !!status?.payable && chosen?.amountKes != null && status.order?.amountKes !== chosen.amountKes;
  const catchUp = useRef(0);
  useEffect(() => {
    if (!behind) {
      catchUp.current = 0;
      return;
    }
    if (attempt?.status === "PENDING" || catchUp.current >= 15) return;
    catchUp.current++;
    const timer = setTimeout(() => refresh(orderId), POLL_MS);
    return () => clearTimeout(timer);
  }, [behind, status, attempt?.status, orderId, refresh]);

  const pay = async () => {
    setBusy(true);
    // A new attempt: nothing said about the previous one stays on screen.
    clearTimeout(poll.current);
    setNotice(null);
    setAttempt(null);
    setAttemptSeq((n) => n + 1);
    const sent = phoneForAnswer(phone, answer);
    // Errors name the number as typed (and as sent, when the emulator's ending replaced its last
    // digits), unless the app's message already quotes exactly what was typed.
    const echo = (message: string) =>
      sent === phone.trim() && message.includes(sent)
        ? message
        : `${message} You typed “${phone}”${sent !== phone.trim() ? `, sent as ${sent} (${PHONE_ANSWERS[answer].label.toLowerCase()})` : ""}.`;
    try {
      const result = await startPayment(selected(orderId), sent);
      if (result.ok) {
        setAttempt(result.attempt);
        poll.current = setTimeout(() => refresh(orderId), POLL_MS);
      } else if (result.retryAfterSeconds) {
        setNotice(echo(copy.rateLimited(result.retryAfterSeconds)));
      } else {
        setNotice(echo(result.message ?? `${copy.rejectedFallback} (${result.code})`));
      }
    } catch (e) {
      setNotice(echo(`${copy.unreachable} (${(e as Error).message})`));
    } finally {
      setBusy(false);
    }
  };

  const amount = status?.order?.amountKes ?? orders.find((o) => o.gid === orderId)?.amountKes ?? undefined;
  const showForm =
    !attempt || (attempt.status !== "PENDING" && attempt.status !== "SUCCEEDED" && attempt.status !== "NEEDS_REVIEW");
  return (
    <BlockStack gap="400">
      <Card>
        <BlockStack gap="300">
          <Text as="h2" variant="headingMd">
            1. The order (thank-you page)
          </Text>
          <ChoiceList
            title="The demo shop's M-PESA orders (in the Shopify stand-in)"
            choices={orders.map((o) => ({
              value: o.gid,
              label: (
                <InlineStack gap="200" blockAlign="center">
                  <Text as="span" fontWeight="semibold">
                    {o.name}
                  </Text>
                  <Text as="span">{o.amountKes !== null ? formatKes(o.amountKes) : o.currency}</Text>
                  {financialBadge(o.shopify?.displayFinancialStatus)}
                </InlineStack>
              ) as unknown as string,
            }))}
            selected={[orderId]}
            onChange={(v) => setOrderId(v[0])}
          />
        </BlockStack>
      </Card>
      <Card>
        <BlockStack gap="300">
          <InlineStack align="space-between" blockAlign="center">
            <Text as="h2" variant="headingMd">
              2. {copy.heading}
            </Text>
            {status?.payable && amount !== undefined && amount !== null && (
              <Text as="span">{copy.amountDue(amount)}</Text>
            )}
          </InlineStack>
          {status && !status.payable && !attempt && (
            <Banner tone="info" title="Not payable">
              <Text as="p">
                {(status.reason && NOT_PAYABLE[status.reason]) ??
                  `This order cannot be paid now (${status.reason ?? "no reason given"}).`}
              </Text>
            </Banner>
          )}
          {notice && (
            <Banner tone="critical" onDismiss={() => setNotice(null)}>
              <Text as="p">{notice}</Text>
            </Banner>
          )}
          {attempt && <PaymentOutcome attempt={attempt} />}
          {showForm && (!status || status.payable) && (
            <BlockStack gap="300">
              <TextField label={copy.phoneLabel} value={phone} onChange={setPhone} autoComplete="tel" type="tel" />
              <Select
                label="How the phone answers (emulator)"
                options={answerOptions}
                value={answer}
                onChange={(v) => setAnswer(v as PhoneAnswer)}
                helpText={
                  answer === "pay"
                    ? "The Daraja emulator approves any number without a special ending."
                    : `The emulator answers by the number's last four digits: this sends ${phoneForAnswer(phone, answer)}.`
                }
              />
              <InlineStack>
                <Button variant="primary" loading={busy} onClick={pay}>
                  {attempt?.canRetry ? copy.retry : copy.payButton(amount ?? undefined)}
                </Button>
              </InlineStack>
            </BlockStack>
          )}
        </BlockStack>
      </Card>
      <PaybillPanel
        orderId={orderId}
        phone={phone}
        paybill={status?.payable ? status.paybill : undefined}
        attemptSeq={attemptSeq}
        onStart={() => {
          setNotice(null);
          setAttemptSeq((n) => n + 1);
        }}
        onSent={() => setTimeout(() => refresh(orderId), POLL_MS)}
      />
      <AdminRefundPanel
        orderId={orderId}
        paid={Number(orders.find((o) => o.gid === orderId)?.shopify?.received ?? 0) > 0}
      />
    </BlockStack>
  );
}
