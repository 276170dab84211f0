package ops

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/recipekit/recipekit/auth/seal"
	"github.com/recipekit/recipekit/examples/internal/demo"
	"github.com/recipekit/recipekit/recipe"
)

// Main runs an example's program, run, with a context that the first
// Ctrl-C (or SIGTERM) cancels, which stops the engine gracefully: polling
// stops and running jobs finish. A second one kills the program. An error
// is printed after the example's name and exits with status 1.
func Main(name string, run func(ctx context.Context) error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() { <-ctx.Done(); stop() }()
	if err := run(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		stop()
		os.Exit(1)
	}
}

// DefaultStorePath is recipekit/<name>.db in the user's cache directory
// (~/.cache on Linux, ~/Library/Caches on macOS, %LocalAppData% on
// Windows), or in the working directory when there is none.
func DefaultStorePath(name string) string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return name + ".db"
	}
	return filepath.Join(dir, "recipekit", name+".db")
}

// StorePath says where the example named name keeps its state: the -store
// flag (storeFlag), else $RECIPEKIT_STORE, else offline (offline is the
// simulator; nil when a real site is used) a temporary file, else
// [DefaultStorePath]. temporary reports the offline temporary file. It
// creates the directory of a SQLite file, so the store opens there.
func StorePath(storeFlag string, getenv func(string) string, name string, offline *demo.Jira) (path string, temporary bool, err error) {
	path = cmp.Or(storeFlag, strings.TrimSpace(getenv("RECIPEKIT_STORE")))
	switch {
	case path == "" && offline != nil:
		path, err = offline.StorePath(name)
		return path, true, err
	case path == "":
		path = DefaultStorePath(name)
	case IsPostgresURL(path):
		return path, false, nil
	}
	return path, false, storeDir(path)
}

// IsPostgresURL reports whether the store path is a PostgreSQL URL rather
// than a SQLite file.
func IsPostgresURL(path string) bool {
	return strings.HasPrefix(path, "postgres://") || strings.HasPrefix(path, "postgresql://")
}

// storeDir creates the directory of a SQLite store's file.
func storeDir(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("creating the store's directory: %w; pass -store with a writable path", err)
	}
	return nil
}

// OpenError says what went wrong opening the store at path, without the
// password of a postgres:// URL; for a store whose webhook secrets do not
// open, which key to give.
func OpenError(path string, err error) error {
	if errors.Is(err, seal.ErrNoKey) || errors.Is(err, seal.ErrWrongKey) {
		return fmt.Errorf("opening the store %s: %w; set RECIPEKIT_SECRET_KEY to the key its webhook secrets were sealed with (while rotating, the old one in RECIPEKIT_SECRET_KEY_PREVIOUS; every process sharing a database needs the same)", RedactURL(path), err)
	}
	return fmt.Errorf("opening the store %s: %w", RedactURL(path), err)
}

// RerunFailed runs the failed jobs of each of the engine's recipes again,
// each from the step that failed, as -rerun-failed asks. A job that failed
// because of a retryable error would also run again on its own schedule
// (recipe.JobRetry).
func RerunFailed(ctx context.Context, eng *recipe.Engine, stdout io.Writer) error {
	for _, name := range eng.Recipes() {
		n, err := eng.RerunFailed(ctx, name)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "  running %d failed jobs of %s again\n", n, name)
	}
	return nil
}

// RunOnce is -once: it polls until caught up, runs the jobs and prints the
// summary. A cron job must keep failing while any job is failed, not only
// on the run where it failed: it then returns [ErrJobsFailed] after
// listing the store's failed jobs (see [FailedJobs]).
func RunOnce(ctx context.Context, eng *recipe.Engine, progress *demo.Reporter, stdout io.Writer) error {
	_, err := eng.RunOnce(ctx)
	progress.PrintSummary()
	if err != nil {
		return err
	}
	return FailedJobs(ctx, eng, stdout)
}

// Play plays an example's offline scene (see demo.Play) and returns
// [ErrJobsFailed] when a job of it failed.
func Play(ctx context.Context, eng *recipe.Engine, progress *demo.Reporter, sc demo.Scene, opts demo.PlayOptions) error {
	failed, err := demo.Play(ctx, eng, progress, sc, opts)
	if err == nil && failed > 0 {
		err = ErrJobsFailed
	}
	return err
}
