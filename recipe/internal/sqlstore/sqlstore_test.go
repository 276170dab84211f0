package sqlstore

import (
	"testing"
	"time"
)

func TestNumberedRewritesPlaceholdersInOrder(t *testing.T) {
	got := Numbered(`INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`)
	want := `INSERT INTO kv (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value`
	if got != want {
		t.Errorf("Numbered = %q, want %q", got, want)
	}
}

func TestNanosKeepsTheZeroTimeZero(t *testing.T) {
	if n := Nanos(time.Time{}); n != 0 {
		t.Errorf("Nanos(zero time) = %d, want 0", n)
	}
	if got := FromNanos(0); !got.IsZero() {
		t.Errorf("FromNanos(0) = %v, want the zero time", got)
	}
	at := time.Date(2026, 3, 29, 1, 30, 0, 123, time.FixedZone("CET", 3600))
	if got := FromNanos(Nanos(at)); !got.Equal(at) || got.Location() != time.UTC {
		t.Errorf("FromNanos(Nanos(%v)) = %v, want the same instant in UTC", at, got)
	}
}
