-- PostgreSQL only (no SQLite counterpart: SQLite has one writer and one worker per file, woken in
-- process). Wakes every instance's worker as soon as new work commits: after each statement that
-- inserts into "Job" or "CallbackLog", NOTIFY app_work with the table name. PostgreSQL delivers a
-- notification when its transaction commits and folds identical ones of one transaction into one.
-- Listened to by app/modules/jobs/wakeup.server.ts. Not part of the Prisma schema (triggers are not
-- modelled), so `migrate diff` between schemas never sees or drops them.
CREATE OR REPLACE FUNCTION "app_notify_work"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('app_work', TG_TABLE_NAME);
  RETURN NULL;
END;
$$;

CREATE TRIGGER "Job_notify_work" AFTER INSERT ON "Job"
  FOR EACH STATEMENT EXECUTE FUNCTION "app_notify_work"();

CREATE TRIGGER "CallbackLog_notify_work" AFTER INSERT ON "CallbackLog"
  FOR EACH STATEMENT EXECUTE FUNCTION "app_notify_work"();
