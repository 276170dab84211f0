package auth

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
)

// LockingTokenStore is a TokenStore that serialises token updates itself,
// possibly across processes: a file lock, a database row lock. OAuth2
// refreshes through Update when its Store implements it, so every OAuth2
// value (in this process or another) sharing the store spends each refresh
// token once.
//
// Update calls fn with the stored token (nil when none is stored) while
// holding a lock that excludes every other Update of the same stored
// token, then, when fn returns a non-nil token, saves it before releasing
// the lock. fn may do I/O (a token refresh) and runs at most once per call.
// When fn returns an error nothing is saved and Update returns that error
// as is. When saving fails, Update returns an error wrapping the cause and
// the store keeps the token it had. Waiting for the lock honours ctx.
// Update may be called from many goroutines at once.
type LockingTokenStore interface {
	TokenStore
	Update(ctx context.Context, fn func(cur *Token) (*Token, error)) error
}

// updateToken runs fn on the token stored in s the way
// LockingTokenStore.Update does. For a store without its own lock it
// serialises calls within this process per store (not per OAuth2 value),
// so OAuth2 values sharing the store never send the same refresh token
// twice; other processes are not excluded.
func updateToken(ctx context.Context, s TokenStore, fn func(cur *Token) (*Token, error)) error {
	if ls, ok := s.(LockingTokenStore); ok {
		return ls.Update(ctx, fn)
	}
	unlock, err := storeLocks.lock(ctx, s)
	if err != nil {
		return err
	}
	defer unlock()
	var cur *Token
	t, err := s.Load(ctx)
	switch {
	case errors.Is(err, ErrNoToken):
	case err != nil:
		return fmt.Errorf("auth: loading the OAuth token: %w", err)
	default:
		cur = &t
	}
	next, err := fn(cur)
	if err != nil || next == nil {
		return err
	}
	return s.Save(ctx, *next)
}

// storeLocks holds one lock per TokenStore in use by updateToken; an entry
// lives while someone holds or waits for it.
var storeLocks = lockTable{m: map[any]*tableLock{}}

type lockTable struct {
	mu sync.Mutex
	m  map[any]*tableLock
}

type tableLock struct {
	ch   chan struct{}
	refs int
}

// lock locks the entry for key, waiting as long as ctx allows, and returns
// the function that unlocks it. A key that cannot be a map key (a store
// value of a non-comparable type) gets a lock of its own, which excludes
// nothing: such a store should implement LockingTokenStore.
func (lt *lockTable) lock(ctx context.Context, key any) (func(), error) {
	if v := reflect.ValueOf(key); !v.IsValid() || !v.Comparable() {
		return func() {}, nil
	}
	lt.mu.Lock()
	e := lt.m[key]
	if e == nil {
		e = &tableLock{ch: make(chan struct{}, 1)}
		lt.m[key] = e
	}
	e.refs++
	lt.mu.Unlock()
	release := func() {
		lt.mu.Lock()
		if e.refs--; e.refs == 0 {
			delete(lt.m, key)
		}
		lt.mu.Unlock()
	}
	select {
	case e.ch <- struct{}{}:
		return func() { <-e.ch; release() }, nil
	case <-ctx.Done():
		release()
		return nil, ctx.Err()
	}
}
