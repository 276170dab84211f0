//go:build !linux

package jiratest

import "time"

// sleepPrecisely sleeps d with the Go runtime's timer, which ends the
// delay as late as the runtime wakes up: the platform's precise sleep is
// not used.
func sleepPrecisely(d time.Duration) { time.Sleep(d) }
