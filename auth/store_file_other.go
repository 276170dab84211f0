//go:build !unix

package auth

import (
	"context"
	"os"
)

// lockFile does nothing where flock(2) is missing: FileTokenStore then
// excludes only the other users of the same store value.
func lockFile(ctx context.Context, f *os.File) error { return ctx.Err() }

func unlockFile(f *os.File) error { return nil }
