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
// the lateness cannot be taken off a timer. The operating system's sleep
// (nanosleep) has no such rounding and ends about 0.1 ms late, steadily
// enough to be taken off. A delay therefore waits on a timer, where the
// client giving up ends it at once, until the last preciseSpan before its
// end, and sleeps that last stretch with sleepPrecisely, shortened by how
// late those sleeps have been ending.

// preciseSpan is the end of a delay slept with sleepPrecisely: long
// enough to cover a timer's rounding and lateness, short enough that an
// operating system thread is not held long (and a request given up in it
// is noticed when it ends).
const preciseSpan = 2 * time.Millisecond

// delayClock waits out the Latency knob's delays and keeps how late their
// precise ends have been.
type delayClock struct {
	late atomic.Int64 // ns: a moving average over the last delays, about 8
}

// early is how much sooner than its due time a delay of d ends its
// precise sleep: the lateness measured, at most d/20.
func (c *delayClock) early(d time.Duration) time.Duration {
	return min(time.Duration(c.late.Load()), d/20)
}

// observe adds the lateness of a precise sleep to the average; one ending
// more than d/20 late counts as d/20 late, so that one long stall of the
// machine does not shorten the delays after it.
func (c *delayClock) observe(d, late time.Duration) {
	late = max(min(late, d/20), 0)
	old := c.late.Load()
	c.late.Store(old + (int64(late)-old)/8)
}

// wait waits for d; it reports false when ctx ends first.
func (c *delayClock) wait(ctx context.Context, d time.Duration) bool {
	due := time.Now().Add(d)
	if coarse := d - preciseSpan; coarse > 0 {
		t := time.NewTimer(coarse)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return false
		}
	}
	target := due.Add(-c.early(d))
	if rest := time.Until(target); rest > 0 {
		sleepPrecisely(rest)
		c.observe(d, time.Since(target))
	}
	return ctx.Err() == nil
}
