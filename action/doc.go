// Package action defines what a recipe step runs: a typed operation with
// metadata, input validation and an error classification the runtime uses to
// decide whether a failed attempt may be retried.
//
// Connectors hand out actions as values (for example a Jira connection's
// CreateIssue()), and the recipe runtime runs them. Package action imports no
// connector and no runtime: it is the contract between the two.
//
// # Errors and retries
//
// An action reports whether a failure is worth retrying through the error
// value itself: wrap it with [Retryable] or [Permanent], or return an error
// type that has a Retryable() bool method. The runtime asks [IsRetryable].
// An action whose Info.Idempotent is false must never be retried after an
// ambiguous failure (the request may have been applied); such errors should
// wrap [ErrOutcomeUnknown].
package action
