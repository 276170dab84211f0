// Package sqlite is the embedded default recipe.Store: one SQLite file,
// through the pure-Go driver modernc.org/sqlite (no cgo).
//
// The database runs in WAL mode with a busy timeout, through a single
// connection, so every write is one short serialised transaction: the
// accept step (jobs stored, dedup ledger marked, cursor advanced) is one
// transaction, as are a job's checkpoints and its final record. The schema
// is versioned in a schema_migrations table and migrated by [Open].
//
// By default a commit is durable against a crash of the process (SIGKILL,
// panic), not against a power loss or an operating-system crash, which may
// lose the last transactions (SQLite's synchronous=NORMAL in WAL mode).
// [WithFullSync] makes every commit durable against those too, at the cost
// of an fsync per transaction.
//
// Webhook secrets are stored sealed (AES-256-GCM) with the keyring given
// by [WithSecretKeys]; without one the store refuses to keep a webhook
// secret and [Open] refuses a file holding sealed ones, naming the key id
// they need. Open seals again with the current key the secrets stored
// under a previous key of the keyring, or in clear by an earlier version.
//
// One file serves one engine process. To run recipes on several processes,
// use a store on a shared database server (the recipe.Store interface is
// shaped so that a PostgreSQL implementation maps each method to one
// transaction).
package sqlite
