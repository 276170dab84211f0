//go:build !unix

package cputime

import "time"

// Process reports that this platform's process CPU time is not read: the
// benchmarks then leave out their CPU figures.
func Process() (time.Duration, bool) { return 0, false }
