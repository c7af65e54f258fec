import { inject } from "vitest";
import { freshDatabaseUrl } from "./databases";
import { resetEnvForTests } from "../../app/lib/env.server";

// Runs before each test file's imports: point this file's process at its own fresh database.
process.env.DATABASE_URL = await freshDatabaseUrl(inject("testRunId"));
resetEnvForTests();
