package httpx_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/recipekit/recipekit/connector/httpx"
)

func TestServerWait(t *testing.T) {
	now := time.Date(2026, 3, 26, 15, 58, 30, 0, time.UTC)
	tests := []struct {
		name   string
		header []string
		want   time.Duration
		ok     bool
	}{
		{"seconds", []string{"Retry-After", "2"}, 2 * time.Second, true},
		{"zero with spaces", []string{"Retry-After", " 0 "}, 0, true},
		{"negative seconds", []string{"Retry-After", "-5"}, 0, true},
		{"seconds above a day", []string{"Retry-After", "999999"}, 24 * time.Hour, true},
		{"HTTP date", []string{"Retry-After", "Thu, 26 Mar 2026 15:59:00 GMT"}, 30 * time.Second, true},
		{"HTTP date past", []string{"Retry-After", "Thu, 26 Mar 2026 15:00:00 GMT"}, 0, true},
		{"ISO minutes", []string{"X-RateLimit-Reset", "2026-03-26T16:00Z"}, 90 * time.Second, true},
		{"another spelling is not read unless named", []string{"X-Beta-RateLimit-Reset", "2026-03-26T16:00Z"}, 0, false},
		{"ISO offset, past", []string{"X-RateLimit-Reset", "2026-03-26T16:00:00+01:00"}, 0, true},
		{"ISO offset", []string{"X-RateLimit-Reset", "2026-03-26T17:00:00+01:00"}, 90 * time.Second, true},
		{"ISO fraction", []string{"X-RateLimit-Reset", "2026-03-26T15:59:00.500Z"}, 30*time.Second + 500*time.Millisecond, true},
		{"ISO without zone is UTC", []string{"X-RateLimit-Reset", "2026-03-26T15:59:30"}, time.Minute, true},
		{"Retry-After wins", []string{"Retry-After", "5", "X-RateLimit-Reset", "2026-03-26T16:00Z"}, 5 * time.Second, true},
		{"bad Retry-After falls back", []string{"Retry-After", "soon", "X-RateLimit-Reset", "2026-03-26T16:00Z"}, 90 * time.Second, true},
		{"bad Retry-After", []string{"Retry-After", "soon"}, 0, false},
		{"bad reset", []string{"X-RateLimit-Reset", "tomorrow"}, 0, false},
		{"none", nil, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for i := 0; i+1 < len(tt.header); i += 2 {
				h.Set(tt.header[i], tt.header[i+1])
			}
			got, ok := httpx.ServerWait(h, now)
			if got != tt.want || ok != tt.ok {
				t.Errorf("%v: got %s %v, want %s %v", tt.header, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestServerWaitReadsTheResetHeadersNamed(t *testing.T) {
	now := time.Date(2026, 3, 26, 15, 58, 30, 0, time.UTC)
	h := http.Header{}
	h.Set("X-Beta-RateLimit-Reset", "2026-03-26T16:00Z")
	if got, ok := httpx.ServerWait(h, now, "X-Beta-RateLimit-Reset"); got != 90*time.Second || !ok {
		t.Errorf("named reset header: got %s %v, want 1m30s true", got, ok)
	}
	h.Set("X-RateLimit-Reset", "2026-03-26T15:59:30Z")
	if got, ok := httpx.ServerWait(h, now, "X-Beta-RateLimit-Reset"); got != time.Minute || !ok {
		t.Errorf("X-RateLimit-Reset comes first: got %s %v, want 1m0s true", got, ok)
	}
}
