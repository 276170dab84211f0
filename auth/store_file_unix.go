//go:build unix

package auth

import (
	"context"
	"errors"
	"os"
	"syscall"
	"time"

	"github.com/recipekit/recipekit/internal/ctxwait"
)

// lockFile takes an exclusive flock on f, polling so that waiting honours
// ctx. flock locks belong to the open file, so two opens in one process
// exclude each other as two processes do.
func lockFile(ctx context.Context, f *os.File) error {
	wait := time.Millisecond
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			return err
		}
		if err := ctxwait.Sleep(ctx, wait); err != nil {
			return err
		}
		wait = min(2*wait, 20*time.Millisecond)
	}
}

func unlockFile(f *os.File) error {
	return syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
}
