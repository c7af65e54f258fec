import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { createReadStream } from "node:fs";
import { useFetcher, useLoaderData } from "@remix-run/react";
import {
  Banner,
  BlockStack,
  Button,
  Card,
  DataTable,
  DropZone,
  InlineStack,
  Layout,
  List,
  Page,
  Text,
} from "@shopify/polaris";
import { useCallback, useState } from "react";
import prisma from "../db.server";
import { env } from "../lib/env.server";
import { receiveUpload, removeUpload } from "../lib/statement-upload.server";
import { attachReceiptsFromStatement } from "../modules/reconciliation/statement-receipts.server";
import { importStatement, listImports, type ImportResult } from "../modules/reconciliation/import.server";
import { shortcodeCheckFromAccounts } from "../modules/reconciliation/shortcodes.server";
import { authenticate } from "../shopify.server";

// /app/reconciliation/import — signed-in staff upload the M-PESA Org Portal statement (CSV or Excel).
// Thin adapter: authenticate, receive the file to a temporary path under the size cap, import it, delete it.

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  return json({
    imports: await listImports(prisma, session.shop),
    maxMb: Math.floor(env().STATEMENT_MAX_BYTES / 2 ** 20),
  });
};

export type ImportActionData = { result: ImportResult } | { error: string };

export const action = async ({ request }: ActionFunctionArgs) => {
  const { session, sessionToken } = await authenticate.admin(request);
  const { STATEMENT_MAX_BYTES, STATEMENT_MAX_ROWS } = env();
  const upload = await receiveUpload(request, { field: "statement", maxBytes: STATEMENT_MAX_BYTES });
  if (!upload.ok) return json<ImportActionData>({ error: upload.message }, { status: upload.status });
  try {
    const result = await importStatement(prisma, {
      shop: session.shop,
      file: {
        name: upload.file.name,
        bytes: upload.file.bytes,
        sha256: upload.file.sha256,
        source: { open: () => createReadStream(upload.file.path) },
      },
      importedBy: sessionToken?.sub ?? null,
      checkShortcode: shortcodeCheckFromAccounts(prisma),
      limits: { maxBytes: STATEMENT_MAX_BYTES, maxRows: STATEMENT_MAX_ROWS },
    });
    // The statement may hold the receipts of payments recorded paid with receipt "pending".
    if (result.status === "IMPORTED") await attachReceiptsFromStatement(prisma, session.shop, () => new Date());
    return json<ImportActionData>({ result }, { status: result.status === "IMPORTED" ? 200 : 422 });
  } finally {
    await removeUpload(upload.file.path);
  }
};

const ACCEPT = ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const eat = (iso: string | null) =>
  iso ? new Date(new Date(iso).getTime() + 3 * 3600_000).toISOString().slice(0, 16).replace("T", " ") : "—";
const kes = (n: number | null) => (n === null ? "—" : `KES ${n.toLocaleString("en-KE")}`);

export default function StatementImportPage() {
  const { imports, maxMb } = useLoaderData<typeof loader>();
  const fetcher = useFetcher<ImportActionData>();
  const [file, setFile] = useState<File | null>(null);
  const busy = fetcher.state !== "idle";
  const onDrop = useCallback((_all: File[], accepted: File[]) => setFile(accepted[0] ?? null), []);
  const submit = () => {
    if (!file) return;
    const form = new FormData();
    form.append("statement", file);
    fetcher.submit(form, { method: "post", encType: "multipart/form-data" });
  };
  const data = fetcher.data;

  return (
    <Page
      title="Import M-PESA statement"
      subtitle="The Org Portal statement of your paybill or till (CSV or Excel), checked against its own totals"
      backAction={{ content: "Home", url: "/app" }}
    >
      <Layout>
        <Layout.Section>
          <Card>
            <BlockStack gap="400">
              <Text as="p">
                In the M-PESA Org Portal, search your Utility Account&apos;s transactions for a period and export them
                as Excel or CSV. Upload the file as downloaded (up to {maxMb} MB). Importing the same or an overlapping
                period again adds only what is new.
              </Text>
              <DropZone accept={ACCEPT} allowMultiple={false} onDrop={onDrop} label="Statement file" disabled={busy}>
                {file ? (
                  <BlockStack inlineAlign="center">
                    <Text as="p" variant="bodyMd">
                      {file.name} ({Math.ceil(file.size / 1024).toLocaleString("en")} KB)
                    </Text>
                  </BlockStack>
                ) : (
                  <DropZone.FileUpload actionHint="CSV or Excel (.xlsx) from the Org Portal" />
                )}
              </DropZone>
              <InlineStack align="end">
                <Button variant="primary" onClick={submit} disabled={!file} loading={busy}>
                  Import statement
                </Button>
              </InlineStack>
            </BlockStack>
          </Card>
        </Layout.Section>
        {data && "error" in data ? (
          <Layout.Section>
            <Banner tone="critical" title="The file was not imported">
              <p>{data.error}</p>
            </Banner>
          </Layout.Section>
        ) : null}
        {data && "result" in data ? (
          <Layout.Section>
            <ResultBanner result={data.result} />
          </Layout.Section>
        ) : null}
        <Layout.Section>
          <Card padding="0">
            <DataTable
              columnContentTypes={["text", "text", "text", "text", "numeric", "numeric", "numeric"]}
              headings={["Imported (EAT)", "File", "Result", "Period (EAT)", "Rows", "New", "Already known"]}
              rows={imports.map((i) => [
                eat(i.createdAt),
                i.fileName,
                i.status === "REFUSED" ? `Refused: ${i.problems[0]?.message ?? ""}` : i.status.toLowerCase(),
                i.periodFrom ? `${eat(i.periodFrom)} – ${eat(i.periodTo)}` : "—",
                i.rows,
                i.newRows,
                i.knownRows,
              ])}
              footerContent={imports.length ? undefined : "No statement imported yet."}
            />
          </Card>
        </Layout.Section>
      </Layout>
    </Page>
  );
}

function ResultBanner({ result }: { result: Omit<ImportResult, "period"> }) {
  if (result.status === "REFUSED")
    return (
      <Banner tone="critical" title="The statement was refused: nothing was imported">
        <List>
          {result.problems.map((p, i) => (
            <List.Item key={i}>{p.message}</List.Item>
          ))}
        </List>
      </Banner>
    );
  return (
    <Banner tone="success" title={`Imported ${result.rows.toLocaleString("en")} rows of shortcode ${result.shortCode}`}>
      <List>
        <List.Item>
          {result.newRows.toLocaleString("en")} new, {result.knownRows.toLocaleString("en")} already known
        </List.Item>
        <List.Item>
          Paid in {kes(result.paidInKes)}, withdrawn {kes(result.withdrawnKes)} — equal to the file&apos;s own totals
        </List.Item>
        {result.notCompleted ? (
          <List.Item>{result.notCompleted} failed or cancelled transaction(s) skipped (no money moved)</List.Item>
        ) : null}
        {result.warnings.map((w, i) => (
          <List.Item key={i}>{w}</List.Item>
        ))}
      </List>
    </Banner>
  );
}
