// Package secretstore seals and opens the webhook secrets a recipe store
// keeps beside a recipe's subscription, so that every store binds a secret
// to its recipe the same way, accepts the same stored forms and words its
// errors alike. The stores (recipe/sqlite, recipe/postgres) keep the
// tables and transactions; this package keeps only the rules.
package secretstore
