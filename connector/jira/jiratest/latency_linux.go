package jiratest

import (
	"syscall"
	"time"
)

// sleepPrecisely sleeps d with nanosleep, holding the calling thread; a
// signal does not cut it short.
func sleepPrecisely(d time.Duration) {
	ts := syscall.NsecToTimespec(int64(d))
	for {
		var rest syscall.Timespec
		if err := syscall.Nanosleep(&ts, &rest); err != syscall.EINTR {
			return
		}
		ts = rest
	}
}
