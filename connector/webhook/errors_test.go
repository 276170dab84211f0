package webhook

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestStatusErrorNamesTheServerWait(t *testing.T) {
	reset := time.Now().Add(2 * time.Hour).UTC().Format(time.RFC3339Nano)
	tests := []struct {
		name   string
		header http.Header
		want   string
	}{
		{"Retry-After seconds", http.Header{"Retry-After": {"30"}}, "the server asks to wait 30s"},
		{"X-RateLimit-Reset", http.Header{"X-Ratelimit-Reset": {reset}}, "the server asks to wait 2h0m0s"},
		{"neither", http.Header{}, "rate limited: wait and try again"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &StatusError{Status: http.StatusTooManyRequests, Method: "GET", URL: "https://example.test/x", Header: tt.header}
			if got := e.Error(); !strings.Contains(got, tt.want) {
				t.Errorf("Error() = %q, want it to contain %q", got, tt.want)
			}
		})
	}
}
