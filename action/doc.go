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
// An action that is not repeatable ([Info.Repeatable]) must never be
// retried after an ambiguous failure (the request may have been applied);
// such errors should wrap [ErrOutcomeUnknown].
//
// # Exactly-once effects
//
// The runtime gives every attempt of a step run an [Effect] in its context
// ([WithEffect]): a key that stays the same across attempts, crashes and
// resumes, and whether an earlier attempt may already have made the
// change. A writing action that sets Info.EffectChecked stores the key with
// its change and, when the change may exist, looks it up before writing
// again, so that a step's change lands exactly once without any key from
// the user, and the happy path costs no extra request.
package action
