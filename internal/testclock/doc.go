// Package testclock is a clock for tests that moves only when the test
// moves it: code under test reads Now (passed as a func() time.Time
// option), and the test sets or advances the time it answers, from any
// goroutine.
package testclock
