//go:build !unix

package bench

import "time"

// processCPU reports that this platform's process CPU time is not read:
// the benchmarks then report wall time and allocations only.
func processCPU() (time.Duration, bool) { return 0, false }
