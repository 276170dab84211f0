package exampleutil

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/recipekit/recipekit/auth/seal"
	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/recipe/postgres"
	"github.com/recipekit/recipekit/recipe/sqlite"
)

// Flags are the options every example takes.
type Flags struct {
	// Once polls until caught up, runs the jobs, prints a summary and
	// exits (non-zero if any job failed) instead of running until
	// interrupted (-once).
	Once bool
	// Store is the SQLite file that keeps cursors, the dedup ledger and
	// job records (-store), or a postgres:// URL of a database several
	// processes share (default $RECIPEKIT_STORE). Empty means the default: [DefaultStorePath]
	// against a real site, a temporary file offline (the simulator starts
	// empty on every run, so state from an earlier run would not match).
	Store string
	// Since makes a first run pick up changes made this long before it
	// (-since 24h; default 1h); 0 starts from now. Later runs continue
	// from where the stored cursor says.
	Since time.Duration
}

// SinceTime is where a first run starts: now minus Since.
func (f Flags) SinceTime(now time.Time) time.Time { return now.Add(-f.Since) }

// Register defines -once, -store and -since on fs.
func (f *Flags) Register(fs *flag.FlagSet, example string) {
	def, err := DefaultStorePath(example)
	if err != nil {
		def = "(none: " + err.Error() + ")"
	}
	fs.BoolVar(&f.Once, "once", false, "poll until caught up, run the jobs, print a summary and exit (non-zero if a job failed)")
	fs.StringVar(&f.Store, "store", os.Getenv(StoreVar), "SQLite file for cursors, dedup ledger and job history, or a postgres:// URL that several processes share (default $"+StoreVar+", else "+def+" against a real site, a temporary file offline)")
	fs.DurationVar(&f.Since, "since", time.Hour, "on the first run, also pick up changes made this long before it (e.g. 24h); 0 starts from now")
}

// Validate reports flag values that cannot work.
func (f Flags) Validate() error {
	if f.Since < 0 {
		return fmt.Errorf("-since %s is negative: give how far back to start, such as -since 24h", f.Since)
	}
	return nil
}

// DefaultStorePath is recipekit/<example>.db under the user's cache
// directory (~/.cache on Linux, ~/Library/Caches on macOS, %LocalAppData%
// on Windows).
func DefaultStorePath(example string) (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("finding the user cache directory: %w; pass -store PATH", err)
	}
	return filepath.Join(dir, "recipekit", example+".db"), nil
}

// OpenStore opens the SQLite store for a run: path when given, else the
// default for the mode (see [Flags.Store]). It creates the file's
// directory (mode 0700) when missing. keys seal the webhook secrets the
// store keeps; when nil, a temporary store gets a throwaway key and any
// other store none (it then refuses to keep a webhook secret). The
// returned cleanup closes the store and removes a temporary one.
//
// A path that is a postgres:// URL opens the PostgreSQL store instead, which
// several processes running the same recipes share; the returned name is
// the URL without its password.
func OpenStore(ctx context.Context, example, path string, offline bool, keys *seal.Keyring) (recipe.Store, string, func(), error) {
	if IsPostgresURL(path) {
		return openPostgres(ctx, path, keys)
	}
	var tmpDir string
	switch {
	case path != "":
	case offline:
		dir, err := os.MkdirTemp("", "recipekit-"+example+"-")
		if err != nil {
			return nil, "", nil, fmt.Errorf("creating a temporary store: %w", err)
		}
		tmpDir = dir
		path = filepath.Join(dir, example+".db")
	default:
		p, err := DefaultStorePath(example)
		if err != nil {
			return nil, "", nil, err
		}
		path = p
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, "", nil, fmt.Errorf("creating the store's directory: %w; pass -store with a writable path", err)
	}
	if keys == nil && tmpDir != "" {
		var err error
		if keys, err = (Env{}).KeysOrThrowaway(); err != nil {
			_ = os.RemoveAll(tmpDir)
			return nil, "", nil, err
		}
	}
	var opts []sqlite.Option
	if keys != nil {
		opts = append(opts, sqlite.WithSecretKeys(keys))
	}
	st, err := sqlite.Open(ctx, path, opts...)
	if err != nil {
		if tmpDir != "" {
			_ = os.RemoveAll(tmpDir)
		}
		hint := ""
		switch {
		case errors.Is(err, seal.ErrNoKey):
			hint = fmt.Sprintf("; set %s to the key the store's secrets were sealed with", SecretKeyVar)
		case errors.Is(err, seal.ErrWrongKey):
			hint = fmt.Sprintf("; set %s to the key with that id, or, while rotating, put it in %s", SecretKeyVar, SecretKeyPreviousVar)
		}
		return nil, "", nil, fmt.Errorf("opening the store %s: %w%s", path, err, hint)
	}
	cleanup := func() {
		_ = st.Close()
		if tmpDir != "" {
			_ = os.RemoveAll(tmpDir)
		}
	}
	return st, path, cleanup, nil
}

// Config is what an example's run function receives: the parsed flags,
// the environment, where to print, and how.
type Config struct {
	Flags
	// Example is the example's name ("quickstart").
	Example string
	// Env is the JIRA_* environment.
	Env Env
	// Stdout receives the example's output.
	Stdout io.Writer
	// Terminal says Stdout is a terminal: draw progress bars instead of
	// plain lines.
	Terminal bool
	// Speed scales the offline scene's pauses: 1 plays it in real time, 10
	// ten times faster, 0 without pauses (tests).
	Speed float64
	// PollInterval overrides how often the triggers poll; 0 means the
	// example's choice (about a second offline, 30 seconds against a real
	// site).
	PollInterval time.Duration
}

// Interval returns the poll interval: PollInterval when set, else offline
// or online.
func (c Config) Interval(site *Site, offline, online time.Duration) time.Duration {
	switch {
	case c.PollInterval > 0:
		return c.PollInterval
	case site != nil && site.Offline():
		return offline
	}
	return online
}

// ErrJobsFailed is returned by a -once run in which a job failed; main
// exits with status 1.
var ErrJobsFailed = errors.New("some jobs failed")

// Program is an example's main: its name, extra flags and run function.
type Program struct {
	// Name is the example's name, used for the default store file.
	Name string
	// Flags defines extra flags on the flag set before parsing; optional.
	Flags func(fs *flag.FlagSet)
	// Project is the default project named by -h; default DefaultProject.
	Project string
	// Usage is extra help printed by -h after the credentials, such as
	// more variables the program reads.
	Usage string
	// NoEngineFlags leaves out -once, -store and -since, for a program
	// that runs no recipes.
	NoEngineFlags bool
	// EnvPrefixes lists the prefixes of the environments to read; default
	// {"JIRA_"}. The first one fills Config.Env.
	EnvPrefixes []string
	// Run runs the example; extra environments (after the first prefix)
	// are passed in envs.
	Run func(ctx context.Context, cfg Config, envs []Env) error
}

// Main parses the flags, reads the environment, installs the signal
// handler (the first Ctrl-C cancels the context and the engine stops
// cleanly; a second one kills the program) and runs p. It exits with
// status 1 on an error, 2 on bad flags.
func (p Program) Main() {
	fs := flag.NewFlagSet(p.Name, flag.ContinueOnError)
	var f Flags
	if !p.NoEngineFlags {
		f.Register(fs, p.Name)
	}
	if p.Flags != nil {
		p.Flags(fs)
	}
	fs.Usage = func() {
		out := fs.Output()
		fmt.Fprintf(out, "usage: go run ./examples/%s [flags]\n\n", p.Name)
		project := p.Project
		if project == "" {
			project = DefaultProject
		}
		fmt.Fprintf(out, "Without JIRA_URL it runs offline against a built-in Jira simulator.\nWith JIRA_URL set it talks to that site; credentials:\n%s\nJIRA_PROJECT selects the project (default %s).\n", Env{Prefix: "JIRA_"}.CredentialHelp(), project)
		if p.Usage != "" {
			fmt.Fprintln(out, strings.TrimSpace(p.Usage))
		}
		fmt.Fprintln(out, "\nflags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		os.Exit(2)
	}
	if err := f.Validate(); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", p.Name, err)
		os.Exit(2)
	}
	prefixes := p.EnvPrefixes
	if len(prefixes) == 0 {
		prefixes = []string{"JIRA_"}
	}
	var envs []Env
	for _, pre := range prefixes {
		envs = append(envs, OSEnv(pre))
	}
	ctx, stop := SignalContext(context.Background())
	defer stop()
	cfg := Config{Flags: f, Example: p.Name, Env: envs[0], Stdout: os.Stdout, Terminal: IsTerminal(os.Stdout), Speed: 1}
	err := p.Run(ctx, cfg, envs[1:])
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %s\n", p.Name, strings.TrimSpace(err.Error()))
		os.Exit(1)
	}
}

// IsTerminal reports whether f is a character device (a terminal, not a
// file or a pipe).
func IsTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// StoreVar names the environment variable that gives -store's default.
const StoreVar = "RECIPEKIT_STORE"

// IsPostgresURL reports whether a -store value names a PostgreSQL database.
func IsPostgresURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// RedactURL returns a URL without its password, for messages.
func RedactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(a URL that cannot be parsed)"
	}
	return u.Redacted()
}

func openPostgres(ctx context.Context, dsn string, keys *seal.Keyring) (recipe.Store, string, func(), error) {
	var opts []postgres.Option
	if keys != nil {
		opts = append(opts, postgres.WithSecretKeys(keys))
	}
	st, err := postgres.Open(ctx, dsn, opts...)
	if err != nil {
		hint := ""
		if errors.Is(err, seal.ErrNoKey) || errors.Is(err, seal.ErrWrongKey) {
			hint = fmt.Sprintf("; every process sharing the database needs the same %s", SecretKeyVar)
		}
		return nil, "", nil, fmt.Errorf("opening the store %s: %w%s", RedactURL(dsn), err, hint)
	}
	return st, RedactURL(dsn), func() { _ = st.Close() }, nil
}
