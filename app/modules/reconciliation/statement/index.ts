// The Org Portal statement parser: pure (no Remix, no database). See docs/RECONCILIATION.md.
export { parseStatement, sniffFormat, type StatementSource } from "./parse";
export { classify, type RowKey, type RowSink } from "./assemble";
export { formatKes, normaliseAccountNo, parseCents, parseOtherParty, parseStatementTime } from "./values";
export { asReadable } from "./readers";
export * from "./types";
