// Package cputime reads the CPU time the process has used, for the
// benchmarks that report CPU per unit of work beside wall time.
package cputime
