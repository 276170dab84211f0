// Package sqlstore holds what the SQL recipe stores (recipe/sqlite,
// recipe/postgres) do alike whatever their SQL dialect: the statements on
// the subscriptions, recipe_state and kv tables, the reading of job and
// step rows, the ranking of step durations into statistics, and how times
// are stored. Each store keeps
// its schema, its transactions and its hot write path, and hands this
// package its connection through [Conn].
package sqlstore
