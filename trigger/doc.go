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
// Package trigger imports no connector and no runtime: it is the contract
// between them.
package trigger
