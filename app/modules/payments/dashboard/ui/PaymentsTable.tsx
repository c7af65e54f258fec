import { useNavigate, useSearchParams } from "@remix-run/react";
import {
  Badge,
  BlockStack,
  ChoiceList,
  IndexFilters,
  IndexTable,
  InlineStack,
  Link,
  Text,
  TextField,
  useSetIndexFiltersMode,
} from "@shopify/polaris";
import { useEffect, useState } from "react";
import {
  CHANNEL_FILTERS,
  describeRange,
  filtersToParams,
  STATUS_FILTERS,
  type ChannelFilter,
  type PaymentFilters,
} from "../filters";
import type { PaymentListView } from "../list.server";

// The Payments list: IndexFilters (search, status tabs, channel, EAT date range) over an IndexTable
// with one row per order and its payments as child rows. All state is in the URL; the loader is the
// one source of truth, so Back/Forward and reloads keep the view.

type Props = {
  view: Pick<PaymentListView, "rows" | "page" | "pageCount">;
  filters: PaymentFilters;
  loading: boolean;
};

const TABS = [{ id: "all", content: "All" }, ...STATUS_FILTERS.map((s) => ({ id: s.id, content: s.label }))];

export function PaymentsTable({ view, filters, loading }: Props) {
  const navigateTo = useNavigate();
  const [current] = useSearchParams();
  // The charts' period is not a list filter: it stays as the list's filters change.
  const navigate = (to: string) => {
    const days = current.get("chartDays");
    navigateTo(days ? `${to}${to.length > 1 ? "&" : ""}chartDays=${days}` : to);
  };
  const { mode, setMode } = useSetIndexFiltersMode();
  const [query, setQuery] = useState(filters.q);
  const [from, setFrom] = useState(filters.from);
  const [to, setTo] = useState(filters.to);
  useEffect(() => setQuery(filters.q), [filters.q]);
  useEffect(() => {
    setFrom(filters.from);
    setTo(filters.to);
  }, [filters.from, filters.to]);

  const go = (change: Partial<PaymentFilters>) => {
    const next = filtersToParams({ ...filters, page: 1, ...change }).toString();
    navigate(next ? `?${next}` : "?");
  };

  // The search applies after a pause in typing (and at once on Enter, via the form's submit).
  useEffect(() => {
    if (query.trim() === filters.q) return;
    const t = setTimeout(() => go({ q: query.trim() }), 400);
    return () => clearTimeout(t);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [query]);

  const selectedTab = filters.statuses.length === 1 ? TABS.findIndex((t) => t.id === filters.statuses[0]) : 0;
  const range = describeRange(filters);
  const applied = [
    ...(filters.statuses.length > 1
      ? [{ key: "status", label: `Status: ${filters.statuses.join(", ")}`, onRemove: () => go({ statuses: [] }) }]
      : []),
    ...(filters.channels.length
      ? [
          {
            key: "channel",
            label: `Channel: ${filters.channels.map((c) => CHANNEL_FILTERS.find((x) => x.id === c)?.label).join(", ")}`,
            onRemove: () => go({ channels: [] }),
          },
        ]
      : []),
    ...(range ? [{ key: "date", label: `Date (EAT) ${range}`, onRemove: () => go({ from: "", to: "" }) }] : []),
  ];

  const rows = view.rows.flatMap((order, i) => [
    <IndexTable.Row
      id={order.key}
      key={order.key}
      position={i}
      rowType="subheader"
      accessibilityLabel={order.orderName}
    >
      <IndexTable.Cell>
        <InlineStack gap="200" blockAlign="center">
          {order.orderUrl ? (
            <Link url={order.orderUrl} target={order.orderUrl.startsWith("shopify:") ? "_top" : "_blank"}>
              <Text as="span" fontWeight="semibold">
                {order.orderName}
              </Text>
            </Link>
          ) : (
            <Text as="span" fontWeight="semibold">
              {order.orderName}
            </Text>
          )}
        </InlineStack>
      </IndexTable.Cell>
      <IndexTable.Cell>{order.latestAt}</IndexTable.Cell>
      <IndexTable.Cell>
        <Text
          as="span"
          tone="subdued"
        >{`${order.payments.length} ${order.payments.length === 1 ? "payment" : "payments"}`}</Text>
      </IndexTable.Cell>
      <IndexTable.Cell>
        <Text as="span" alignment="end" numeric fontWeight="semibold">
          {order.received || "Nothing received"}
        </Text>
      </IndexTable.Cell>
      <IndexTable.Cell>
        <Badge tone={order.statusTone}>{order.statusLabel}</Badge>
      </IndexTable.Cell>
      <IndexTable.Cell />
      <IndexTable.Cell />
      <IndexTable.Cell />
    </IndexTable.Row>,
    ...order.payments.map((p) => (
      <IndexTable.Row
        id={p.id}
        key={p.id}
        position={i}
        rowType="child"
        accessibilityLabel={`${order.orderName} ${p.channel}`}
      >
        <IndexTable.Cell>
          <Text as="span" tone="subdued">
            {p.url ? (
              <Link url={p.url} removeUnderline>
                {p.channel}
              </Link>
            ) : (
              p.channel
            )}
          </Text>
        </IndexTable.Cell>
        <IndexTable.Cell>{p.at}</IndexTable.Cell>
        <IndexTable.Cell>
          <Text as="span" numeric>
            {p.amount}
          </Text>
        </IndexTable.Cell>
        <IndexTable.Cell>
          <Text as="span" alignment="end" numeric>
            {p.received}
          </Text>
        </IndexTable.Cell>
        <IndexTable.Cell>
          <Badge tone={p.statusTone}>{p.statusLabel}</Badge>
        </IndexTable.Cell>
        <IndexTable.Cell>{p.receipt}</IndexTable.Cell>
        <IndexTable.Cell>{p.payer}</IndexTable.Cell>
        <IndexTable.Cell>
          {/* Table cells do not wrap by default: a reason is a sentence. */}
          <div style={{ whiteSpace: "normal", minWidth: 180, maxWidth: 260 }}>
            <Text as="span" tone={p.statusTone === "critical" ? "critical" : "subdued"}>
              {p.reason}
            </Text>
          </div>
        </IndexTable.Cell>
      </IndexTable.Row>
    )),
  ]);

  return (
    <div data-testid="payments-table">
      <IndexFilters
        queryValue={query}
        queryPlaceholder="Search receipt, phone, order or amount"
        onQueryChange={setQuery}
        onQueryClear={() => {
          setQuery("");
          go({ q: "" });
        }}
        tabs={TABS}
        selected={selectedTab < 0 ? 0 : selectedTab}
        onSelect={(i) => go({ statuses: i === 0 ? [] : [STATUS_FILTERS[i - 1].id] })}
        canCreateNewView={false}
        filters={[
          {
            key: "channel",
            label: "Channel",
            shortcut: true,
            filter: (
              <ChoiceList
                title="Channel"
                titleHidden
                allowMultiple
                choices={CHANNEL_FILTERS.map((c) => ({ label: c.label, value: c.id }))}
                selected={filters.channels}
                onChange={(v) => go({ channels: v as ChannelFilter[] })}
              />
            ),
          },
          {
            key: "date",
            label: "Date (EAT)",
            shortcut: true,
            filter: (
              <BlockStack gap="200">
                <TextField
                  label="From (EAT day)"
                  type="date"
                  value={from}
                  onChange={setFrom}
                  onBlur={() => go({ from })}
                  autoComplete="off"
                />
                <TextField
                  label="To (EAT day, included)"
                  type="date"
                  value={to}
                  onChange={setTo}
                  onBlur={() => go({ to })}
                  autoComplete="off"
                />
              </BlockStack>
            ),
          },
        ]}
        appliedFilters={applied}
        onClearAll={() => go({ q: "", statuses: [], channels: [], from: "", to: "" })}
        mode={mode}
        setMode={setMode}
        cancelAction={{ onAction: () => setQuery(filters.q) }}
        loading={loading}
      />
      <IndexTable
        resourceName={{ singular: "order", plural: "orders" }}
        itemCount={view.rows.length}
        selectable={false}
        emptyState={
          <Text as="p" tone="subdued" alignment="center">
            No payments match these filters.
          </Text>
        }
        headings={[
          { title: "Order / channel" },
          { title: "Date (EAT)" },
          { title: "Amount" },
          { title: "Received", alignment: "end" },
          { title: "Status" },
          { title: "Receipt" },
          { title: "Phone" },
          { title: "What happened" },
        ]}
        pagination={{
          hasPrevious: view.page > 1,
          hasNext: view.page < view.pageCount,
          onPrevious: () => navigate(`?${filtersToParams({ ...filters, page: view.page - 1 })}`),
          onNext: () => navigate(`?${filtersToParams({ ...filters, page: view.page + 1 })}`),
          label: `Page ${view.page} of ${view.pageCount}`,
        }}
      >
        {rows}
      </IndexTable>
    </div>
  );
}
