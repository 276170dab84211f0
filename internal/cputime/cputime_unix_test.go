//go:build unix

package cputime

import "testing"

func TestProcessGrowsWithWork(t *testing.T) {
	before, ok := Process()
	if !ok {
		t.Fatal("the process CPU time was not read")
	}
	x := 0
	for i := range 50_000_000 {
		x ^= i
	}
	after, _ := Process()
	if after <= before {
		t.Errorf("CPU time went from %v to %v over a busy loop (%d)", before, after, x)
	}
}
