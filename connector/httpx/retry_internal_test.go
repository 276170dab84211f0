package httpx

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"syscall"
	"testing"
	"time"

	"github.com/recipekit/recipekit/auth"
)

func TestBackoffBounds(t *testing.T) {
	for n := 1; n <= 12; n++ {
		nominal := min(500*time.Millisecond<<(n-1), 30*time.Second)
		for range 50 {
			d := backoff(500*time.Millisecond, 30*time.Second, n)
			if d < nominal*7/10 || d > 30*time.Second || d > nominal*13/10 {
				t.Fatalf("retry %d: %s outside [0.7, 1.3] x %s capped at 30s", n, d, nominal)
			}
		}
	}
	for range 50 {
		if j := jitterUp(10*time.Second, time.Minute); j < 10*time.Second || j > 12*time.Second {
			t.Fatalf("jitterUp(10s) = %s", j)
		}
		if j := jitterUp(59*time.Second, time.Minute); j > time.Minute {
			t.Fatalf("jitterUp above the cap: %s", j)
		}
	}
}

func TestNetworkErrorClassification(t *testing.T) {
	dial := &url.Error{Op: "Post", URL: "http://x", Err: &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}}
	reset := &url.Error{Op: "Get", URL: "http://x", Err: &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}}
	eof := &url.Error{Op: "Get", URL: "http://x", Err: io.EOF}
	token := &url.Error{Op: "Get", URL: "http://x", Err: &auth.TokenError{Op: "refresh", StatusCode: 403, Code: "invalid_grant"}}
	tests := []struct {
		err             error
		network, unsent bool
	}{
		{dial, true, true},
		{&url.Error{Op: "Get", URL: "http://x", Err: &net.DNSError{Err: "no such host", Name: "x"}}, true, true},
		{reset, true, false},
		{eof, true, false},
		{token, false, false},
		{fmt.Errorf("wrapped: %w", reset), true, false},
		{errors.New("unsupported protocol scheme"), false, false},
	}
	for _, tt := range tests {
		if got := networkError(tt.err); got != tt.network {
			t.Errorf("networkError(%v) = %v", tt.err, got)
		}
		if got := notSent(tt.err); got != tt.unsent {
			t.Errorf("notSent(%v) = %v", tt.err, got)
		}
	}
}
