package jiratest

import (
	"context"
	"sync/atomic"
	"time"
)

// The Latency knob's delays. A Go timer wakes an idle process through
// epoll, whose timeout counts whole milliseconds: a 5 ms timer fires
// about 0.2 ms late on a shared virtual machine, and one armed for 4.8 ms
// fires no earlier (its wait is rounded up to the next millisecond), so
// the lateness cannot be taken off a timer. On Linux a delay waits on a
// timerfd instead, which the runtime's poller watches like a socket: it
// wakes the poller when due, to within the kernel's timer slack, holds no
// thread while it waits, and ends at once when the client gives up. What
// lateness is left, steady at about 0.1 ms, is taken off the next delays.

// delayClock waits out the Latency knob's delays and keeps how late they
// have been ending.
type delayClock struct {
	late atomic.Int64 // ns: a moving average over the last delays, about 8
}

// early is how much sooner than due a delay of d is set to end: the
// lateness measured, at most d/20.
func (c *delayClock) early(d time.Duration) time.Duration {
	return min(time.Duration(c.late.Load()), d/20)
}

// observe adds the lateness of a delay to the average; one ending more
// than d/20 late counts as d/20 late, so that one long stall of the
// machine does not shorten the delays after it.
func (c *delayClock) observe(d, late time.Duration) {
	late = max(min(late, d/20), 0)
	old := c.late.Load()
	c.late.Store(old + (int64(late)-old)/8)
}

// wait waits for d; it reports false when ctx ends first.
func (c *delayClock) wait(ctx context.Context, d time.Duration) bool {
	set := d - c.early(d)
	start := time.Now()
	if !sleepPrecisely(ctx, set) {
		return false
	}
	c.observe(d, time.Since(start)-set)
	return true
}
