package jira

import (
	"slices"
	"testing"
)

func TestWatcherActions(t *testing.T) {
	bothModes(t, func(t *testing.T, e *env) {
		key := e.demo.Issues[2].Key
		w, err := e.jc.AddWatcher().Run(ctx, WatcherInput{IssueKey: key, User: e.id(e.demo.Alice)})
		if err != nil || !hasUser(w.Watchers, e.id(e.demo.Alice)) {
			t.Fatalf("add %+v %v", w, err)
		}
		w, err = e.jc.AddWatcher().Run(ctx, WatcherInput{IssueKey: key})
		if err != nil || !w.IsWatching {
			t.Errorf("add self %+v %v", w, err)
		}
		w, err = e.jc.RemoveWatcher().Run(ctx, WatcherInput{IssueKey: key, User: e.id(e.demo.Alice)})
		if err != nil || hasUser(w.Watchers, e.id(e.demo.Alice)) {
			t.Errorf("remove %+v %v", w, err)
		}
		w, err = e.jc.ListWatchers().Run(ctx, IssueKeyInput{IssueKey: key})
		if err != nil || w.WatchCount != len(w.Watchers) || !w.IsWatching {
			t.Errorf("list %+v %v", w, err)
		}
	})
}

func hasUser(us []User, id string) bool {
	return slices.ContainsFunc(us, func(u User) bool { return u.ID() == id })
}
