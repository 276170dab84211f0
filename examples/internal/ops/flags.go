package ops

import (
	"cmp"
	"flag"
	"fmt"
	"time"
)

// Flags are the flags every example that runs recipes takes: -once,
// -rerun-failed, -store, -since, -ui and -metrics. An example embeds them
// in its options, defines them with [Flags.Register] and adds its own
// (such as -poll) beside them.
type Flags struct {
	Once    bool          // -once: catch up, run the jobs, exit
	Rerun   bool          // -rerun-failed: run the failed jobs again first
	Store   string        // -store: the SQLite file or a postgres:// URL
	Since   time.Duration // -since: how far back the first run looks
	UI      string        // -ui: address of the web UI
	Metrics string        // -metrics: address of the Prometheus /metrics endpoint

	// Fast plays the offline scene without pauses; tests set it.
	Fast bool
}

// FlagHelp is what the flags mean for one example, in its -help.
type FlagHelp struct {
	// Once is what -once does; empty for: poll until caught up, run the
	// jobs, print a summary and exit.
	Once string
	// Keeps is what the store keeps, as in "SQLite file for Keeps".
	Keeps string
	// Since is what -since sets.
	Since string
}

// Register defines the flags on fs for the example named name.
func (f *Flags) Register(fs *flag.FlagSet, name string, help FlagHelp) {
	fs.BoolVar(&f.Once, "once", false, cmp.Or(help.Once, "poll until caught up, run the jobs, print a summary and exit (non-zero while a job in the store is failed)"))
	fs.BoolVar(&f.Rerun, "rerun-failed", false, "run the store's failed jobs again first, each from the step that failed (steps done before are not repeated)")
	fs.StringVar(&f.Store, "store", "", "SQLite file for "+help.Keeps+", or a postgres:// URL that several processes share (default $RECIPEKIT_STORE, else "+DefaultStorePath(name)+"; offline a temporary file)")
	fs.DurationVar(&f.Since, "since", time.Hour, help.Since)
	fs.StringVar(&f.UI, "ui", "", "serve the web UI at this address, such as 127.0.0.1:8080 (set RECIPEKIT_UI_TOKEN to serve other machines)")
	fs.StringVar(&f.Metrics, "metrics", "", "serve Prometheus metrics at http://ADDR/metrics, such as 127.0.0.1:9090")
}

// FirstRun is where a first run starts looking: -since before now (later
// runs go on from the stored cursor). A negative -since is refused.
func (f Flags) FirstRun() (time.Time, error) {
	if f.Since < 0 {
		return time.Time{}, fmt.Errorf("-since %s is negative: give how far back to start, such as -since 24h", f.Since)
	}
	return time.Now().Add(-f.Since), nil
}

// Usage returns the -help of the example named name, for flag.Usage: how
// to run it, what it does (about, which ends with a newline) and its
// flags.
func Usage(fs *flag.FlagSet, name, about string) func() {
	return func() {
		fmt.Fprintf(fs.Output(), "usage: go run ./examples/%s [flags]\n\n%s\nflags:\n", name, about)
		fs.PrintDefaults()
	}
}
