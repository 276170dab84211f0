// Package postgres is a recipe.Store in PostgreSQL, for running the same
// recipes on several processes that share one database.
//
// Open connects through a pgx connection pool and migrates the schema (its
// tables sit in the connection's search path; the version is kept in
// recipekit_schema_migrations, and processes starting together migrate once,
// serialised by an advisory lock). Each Store method is one transaction:
// Accept marks the dedup ledger, inserts the jobs and moves the cursor
// together, so a crash replays a page harmlessly.
//
// Webhook secrets are stored sealed (AES-256-GCM) with the keyring given
// by [WithSecretKeys], which every process sharing the database needs;
// without one the store refuses to keep a webhook secret and [Open]
// refuses a database holding sealed ones, naming the key id they need.
// Open seals again with the current key the secrets stored under a
// previous key, or in clear by an earlier version.
//
// The store implements recipe.Coordinator, so engines on several
// processes sharing the database divide the work: leases are rows with an
// expiry set by the server's clock (the processes' clocks need not agree),
// jobs are claimed with FOR UPDATE SKIP LOCKED (an InOrder recipe's under
// an advisory lock, oldest first and one at a time), and the last process
// leaving a recipe's group is told so (advisory lock). [Store.TokenStore]
// keeps OAuth tokens sealed in the database and refreshes them
// single-flight across processes.
//
// Times are stored as Unix nanoseconds, so records read back exactly as
// they were written.
package postgres
