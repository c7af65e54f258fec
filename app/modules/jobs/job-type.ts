import type { z } from "zod";

// A job type is a typed constant: its name (stored in Job.type) and the zod schema of its payload.
// The payload is checked when the job is enqueued and again when it runs (a row written by an older
// release, or edited by hand, fails loudly instead of reaching the handler half-shaped).

export interface JobType<P> {
  readonly name: string;
  readonly schema: z.ZodType<P>;
}

export function defineJobType<S extends z.ZodType>(name: string, schema: S): JobType<z.infer<S>> {
  return { name, schema: schema as unknown as z.ZodType<z.infer<S>> };
}

export class InvalidJobPayloadError extends Error {
  constructor(type: string, issues: string) {
    super(`invalid payload for job type ${type}: ${issues}`);
    this.name = "InvalidJobPayloadError";
  }
}

export function checkPayload<P>(type: JobType<P>, payload: unknown): P {
  const result = type.schema.safeParse(payload);
  if (!result.success)
    throw new InvalidJobPayloadError(
      type.name,
      result.error.issues.map((i) => `${i.path.join(".") || "(payload)"}: ${i.message}`).join("; "),
    );
  return result.data;
}
