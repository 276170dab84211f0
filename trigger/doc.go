// Package trigger defines how events enter a recipe: polling triggers that
// the runtime calls on a schedule with the cursor they returned last time,
// and webhook triggers that register a callback with the remote system and
// turn each verified delivery into events.
//
// Every event carries a dedup ID that is stable across polls, restarts and
// redeliveries, so the runtime can hand each event to exactly one job even
// when the same change is seen twice (an overlapping poll window, a webhook
// retried by the sender, a reconciliation poll catching up a delivery that
// did arrive).
//
// Two triggers here need no remote system. [Schedule] fires at fixed times
// (every interval with [Every], or a cron expression in a time zone with
// [Cron]), keeping the last run in its cursor so that restarts neither
// lose nor double a run; it implements [Timed], so the runtime drives it
// with its own clock. [Manual] fires when the program hands the runtime an
// event (recipe.Engine.Trigger). With a search action they make "every
// morning, search and report" and "search once, then act on each result"
// recipes.
//
// Package trigger imports no connector and no runtime: it is the contract
// between them.
package trigger
