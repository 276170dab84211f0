package jiratest

import (
	"context"
	"errors"
	"os"
	"syscall"
	"time"
	"unsafe"

	"github.com/recipekit/recipekit/internal/ctxwait"
)

// sleepPrecisely waits for d on a timerfd read through the runtime's
// poller; it reports false when ctx ends first. Where no timerfd can be
// had it waits on a Go timer.
func sleepPrecisely(ctx context.Context, d time.Duration) bool {
	f, err := armTimerfd(d)
	if err != nil {
		return ctxwait.Sleep(ctx, d) == nil
	}
	defer f.Close()
	stop := context.AfterFunc(ctx, func() { _ = f.SetReadDeadline(time.Now()) })
	defer stop()
	var expirations [8]byte
	_, err = f.Read(expirations[:])
	if errors.Is(err, os.ErrDeadlineExceeded) || ctx.Err() != nil {
		return false
	}
	if err != nil {
		return ctxwait.Sleep(ctx, d) == nil // not expected of a timerfd
	}
	return true
}

// armTimerfd returns a non-blocking timerfd on the monotonic clock that
// expires once, d from now.
func armTimerfd(d time.Duration) (*os.File, error) {
	const clockMonotonic = 1
	fd, _, errno := syscall.RawSyscall(syscall.SYS_TIMERFD_CREATE, clockMonotonic, syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if errno != 0 {
		return nil, errno
	}
	spec := struct{ interval, value syscall.Timespec }{value: syscall.NsecToTimespec(int64(max(d, time.Nanosecond)))}
	if _, _, errno := syscall.RawSyscall6(syscall.SYS_TIMERFD_SETTIME, fd, 0, uintptr(unsafe.Pointer(&spec)), 0, 0, 0); errno != 0 {
		_ = syscall.Close(int(fd))
		return nil, errno
	}
	return os.NewFile(fd, "latency timerfd"), nil
}
