package webhook

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// hostPattern is one entry of ClientOptions.AllowedHosts.
type hostPattern struct {
	host     string // lower case; for a wildcard, the suffix without "*."
	port     string // "" for any port
	wildcard bool   // "*.example.com": any subdomain, not the apex
}

func parseHostPatterns(list []string) ([]hostPattern, error) {
	var errs []error
	out := make([]hostPattern, 0, len(list))
	for _, raw := range list {
		p, err := parseHostPattern(raw)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, p)
	}
	return out, errors.Join(errs...)
}

func parseHostPattern(raw string) (hostPattern, error) {
	s := strings.ToLower(strings.TrimSpace(raw))
	bad := func(why string) (hostPattern, error) {
		return hostPattern{}, fmt.Errorf("webhook: AllowedHosts entry %s %s; write a host name such as \"api.example.com\", \"api.example.com:8443\" or \"*.example.com\"", quoteShort(raw), why)
	}
	switch {
	case s == "":
		return bad("is empty")
	case strings.Contains(s, "://"):
		return bad("has a scheme")
	case strings.ContainsAny(s, "/?#@ "):
		return bad("is not a bare host (it has a path, query, user or space)")
	}
	var p hostPattern
	host := s
	if h, port, err := net.SplitHostPort(s); err == nil {
		host, p.port = h, port
	}
	if rest, ok := strings.CutPrefix(host, "*."); ok {
		p.wildcard, host = true, rest
	}
	if host == "" || strings.Contains(host, "*") {
		return bad("has a wildcard other than a leading \"*.\"")
	}
	p.host = strings.Trim(host, "[]")
	return p, nil
}

func (p hostPattern) matches(host, port string) bool {
	if p.port != "" && p.port != port {
		return false
	}
	if p.wildcard {
		return strings.HasSuffix(host, "."+p.host)
	}
	return host == p.host
}

// hostAllowed reports whether u may be requested. An empty list allows
// every host.
func hostAllowed(patterns []hostPattern, u *url.URL) bool {
	if len(patterns) == 0 {
		return true
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	port := u.Port()
	if port == "" {
		switch u.Scheme {
		case "http":
			port = "80"
		case "https":
			port = "443"
		}
	}
	for _, p := range patterns {
		if p.matches(host, port) {
			return true
		}
	}
	return false
}

// allowTransport refuses requests to hosts outside the allow-list, so a
// redirect cannot lead the client (and perhaps its credential) elsewhere.
type allowTransport struct {
	base     http.RoundTripper
	patterns []hostPattern
}

func (t *allowTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !hostAllowed(t.patterns, req.URL) {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, &hostNotAllowedError{host: req.URL.Host}
	}
	return t.base.RoundTrip(req)
}

// hostNotAllowedError is what allowTransport returns; it is permanent.
type hostNotAllowedError struct{ host string }

func (e *hostNotAllowedError) Error() string {
	return fmt.Sprintf("host %s is not in ClientOptions.AllowedHosts (a redirect may have led there); add it if requests to it are intended", quoteShort(e.host))
}

// Retryable reports false: the same request would be refused again.
func (e *hostNotAllowedError) Retryable() bool { return false }

// redacted replaces a value that may be a secret.
const redacted = "[redacted]"

// redactPath replaces path segments that look like tokens (at least 16
// characters mixing letters and digits, as in chat-service incoming-webhook
// URLs that embed their secret in the path) so that error messages and
// logs can name the endpoint without its credential.
func redactPath(p string) string {
	if !strings.Contains(p, "/") {
		return p
	}
	segs := strings.Split(p, "/")
	changed := false
	for i, s := range segs {
		if tokenLike(s) {
			segs[i], changed = redacted, true
		}
	}
	if !changed {
		return p
	}
	return strings.Join(segs, "/")
}

func tokenLike(s string) bool {
	if len(s) < 16 {
		return false
	}
	var letters, digits bool
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits = true
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
			letters = true
		}
	}
	return letters && digits
}

// displayURL is u without user info, query or fragment, with token-like
// path segments redacted.
func displayURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := url.URL{Scheme: u.Scheme, Host: u.Host, Path: redactPath(u.Path)}
	return c.String()
}

// sensitiveName reports whether a header or query parameter name usually
// carries a credential.
func sensitiveName(name string) bool {
	n := strings.ToLower(name)
	for _, w := range []string{"auth", "token", "secret", "key", "signature", "sig", "password", "passwd", "cookie", "session", "credential", "code"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// scrubber removes known secret values from text that leaves the package
// (error messages, response bodies quoted in errors).
type scrubber struct{ r *strings.Replacer }

func newScrubber(values []string) scrubber {
	var pairs []string
	seen := map[string]bool{}
	for _, v := range values {
		if len(v) < 4 || seen[v] {
			continue
		}
		seen[v] = true
		pairs = append(pairs, v, redacted)
	}
	if len(pairs) == 0 {
		return scrubber{}
	}
	return scrubber{strings.NewReplacer(pairs...)}
}

func (s scrubber) clean(text string) string {
	if s.r == nil {
		return text
	}
	return s.r.Replace(text)
}

// redactingHandler rewrites the "path" attribute the HTTP layer logs, so a
// secret embedded in a URL path does not reach the log.
type redactingHandler struct{ slog.Handler }

func (h redactingHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "path" && a.Value.Kind() == slog.KindString {
			a.Value = slog.StringValue(redactPath(a.Value.String()))
		}
		out.AddAttrs(a)
		return true
	})
	return h.Handler.Handle(ctx, out)
}

func (h redactingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return redactingHandler{h.Handler.WithAttrs(attrs)}
}

func (h redactingHandler) WithGroup(name string) slog.Handler {
	return redactingHandler{h.Handler.WithGroup(name)}
}
