import { createHash, randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  MaxPartSizeExceededError,
  unstable_composeUploadHandlers,
  unstable_createFileUploadHandler,
  unstable_createMemoryUploadHandler,
  unstable_parseMultipartFormData,
} from "@remix-run/node";

// Receiving a statement upload: multipart/form-data with one file field, written to a private temporary
// file while it streams — never held in memory — and refused the moment it passes the cap (the whole
// body is counted too, so many small parts cannot get around it). The caller parses the file from disk
// and removes it (removeUpload) as soon as the import is done: statement files are never kept.

export type ReceivedUpload =
  | { ok: true; file: { name: string; path: string; bytes: number; sha256: string } }
  | { ok: false; status: 400 | 413; message: string };

/** Room for the multipart boundaries and the other (small) fields around the file. */
const ENVELOPE_BYTES = 64 * 1024;

export async function receiveUpload(
  request: Request,
  opts: { field: string; maxBytes: number },
): Promise<ReceivedUpload> {
  const tooLarge = {
    ok: false as const,
    status: 413 as const,
    message: `The file is larger than ${Math.floor(opts.maxBytes / 1024 / 1024)} MB: export a shorter period and import each file.`,
  };
  if (!/^multipart\/form-data/i.test(request.headers.get("content-type") ?? ""))
    return { ok: false, status: 400, message: "Send the statement as a file upload (multipart/form-data)." };
  const declared = Number(request.headers.get("content-length") ?? NaN);
  if (Number.isFinite(declared) && declared > opts.maxBytes + ENVELOPE_BYTES) return tooLarge;

  const dir = path.join(tmpdir(), "mpesa-statement-uploads");
  let originalName = "";
  let stored: string | null = null;
  const fileHandler = unstable_createFileUploadHandler({
    directory: dir,
    maxPartSize: opts.maxBytes,
    filter: ({ name }) => name === opts.field,
    file: ({ filename }) => {
      originalName = filename;
      stored = `${randomUUID()}.upload`;
      return stored;
    },
  });
  const handler = unstable_composeUploadHandlers(
    fileHandler,
    unstable_createMemoryUploadHandler({ maxPartSize: 4096 }),
  );
  let form: FormData;
  try {
    form = await unstable_parseMultipartFormData(capBody(request, opts.maxBytes + ENVELOPE_BYTES), handler);
  } catch (err) {
    if (stored) await rm(path.join(dir, stored), { force: true });
    if (err instanceof MaxPartSizeExceededError || (err as Error).message === BODY_TOO_LARGE) return tooLarge;
    return { ok: false, status: 400, message: "The upload was interrupted or is not a valid form: try again." };
  }
  const file = form.get(opts.field);
  if (!file || typeof file === "string" || !stored)
    return { ok: false, status: 400, message: "Choose a statement file (CSV or Excel) to import." };
  const filePath = path.join(dir, stored);
  const hash = createHash("sha256");
  let bytes = 0;
  for await (const chunk of createReadStream(filePath)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { ok: true, file: { name: originalName || "statement", path: filePath, bytes, sha256: hash.digest("hex") } };
}

export const removeUpload = (filePath: string) => rm(filePath, { force: true });

const BODY_TOO_LARGE = "request body over the statement upload cap";

/** The request with its body counted as it streams: past the cap the stream fails (never a truncated body). */
function capBody(request: Request, maxBytes: number): Request {
  if (!request.body) return request;
  let seen = 0;
  const counted = request.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.byteLength;
        if (seen > maxBytes) controller.error(new Error(BODY_TOO_LARGE));
        else controller.enqueue(chunk);
      },
    }),
  );
  return new Request(request.url, {
    method: request.method,
    headers: request.headers,
    body: counted,
    duplex: "half", // a streamed body (Node's fetch requires it)
  });
}
