// Package ctxwait waits out a duration unless a context ends first: the
// one timer-and-select that backoffs, polling loops and paced demos
// share, so that each stops its timer and reports a cancelled wait the
// same way.
package ctxwait
