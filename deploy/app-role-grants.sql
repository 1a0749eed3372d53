-- The application's database role: reads and writes rows, owns nothing. Run after each `migrate`
-- (which runs as the owner role), as the owner or a superuser:
--   psql "$OWNER_DATABASE_URL" -v owner=outreach_owner -v app=outreach_app -f deploy/app-role-grants.sql
-- Owning no table, the app cannot drop or disable the audit trail's append-only trigger, TRUNCATE a
-- table, or change the schema, whatever a bug or an attacker makes it run (docs/deployment.md).
\set ON_ERROR_STOP on
GRANT USAGE ON SCHEMA public TO :"app";
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"app";
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO :"app";
-- Tables and sequences that later migrations create get the same grants.
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO :"app";
