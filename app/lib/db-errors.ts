// Database error checks shared by every module that relies on a unique index to decide a race.

/** Prisma's unique-constraint violation (P2002), on SQLite and PostgreSQL alike. */
export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === "P2002";
}
