package webhook

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
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

// guardTransport sits under the credential: it refuses requests to hosts
// outside the allow-list, so a redirect cannot lead the client (and
// perhaps its credential) elsewhere, and it records the values of the
// credential headers actually sent, so they can be scrubbed from errors
// and logs.
type guardTransport struct {
	base     http.RoundTripper
	patterns []hostPattern
}

func (t *guardTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !hostAllowed(t.patterns, req.URL) {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, &hostNotAllowedError{host: req.URL.Host}
	}
	if set, ok := req.Context().Value(secretsKey{}).(*secretSet); ok {
		for name, vs := range req.Header {
			if sensitiveName(name) {
				set.addHeaderValues(vs...)
			}
		}
	}
	return t.base.RoundTrip(req)
}

// hostNotAllowedError is what guardTransport returns; it is permanent.
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
	return u.Scheme + "://" + u.Host + redactPath(u.EscapedPath())
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

type secretsKey struct{}

// secretSet collects the secret values one request carries: credential
// headers (including those the auth strategy adds), sensitive query
// parameters and token-like path segments. It travels in the request's
// context, so the HTTP layer's log records made with that context are
// scrubbed too.
type secretSet struct {
	mu   sync.Mutex
	vals []string
	rep  *strings.Replacer
}

func (s *secretSet) add(vals ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range vals {
		if len(v) >= 4 && !slices.Contains(s.vals, v) {
			s.vals = append(s.vals, v)
			s.rep = nil
		}
	}
}

// addHeaderValues adds header values, and the credential part of
// "Scheme credential" values (Bearer, Basic...).
func (s *secretSet) addHeaderValues(vals ...string) {
	for _, v := range vals {
		s.add(v)
		if _, cred, ok := strings.Cut(v, " "); ok {
			s.add(strings.TrimSpace(cred))
		}
	}
}

// clean replaces every known secret in text by "[redacted]".
func (s *secretSet) clean(text string) string {
	if s == nil {
		return text
	}
	s.mu.Lock()
	if s.rep == nil && len(s.vals) > 0 {
		vals := slices.Clone(s.vals)
		// Longest first, so a value containing another goes whole.
		sort.Slice(vals, func(i, j int) bool { return len(vals[i]) > len(vals[j]) })
		pairs := make([]string, 0, 2*len(vals))
		for _, v := range vals {
			pairs = append(pairs, v, redacted)
		}
		s.rep = strings.NewReplacer(pairs...)
	}
	rep := s.rep
	s.mu.Unlock()
	if rep == nil {
		return text
	}
	return rep.Replace(text)
}

// redactingHandler scrubs the records the HTTP layer logs: the "path"
// attribute loses token-like segments, and every string or error attribute
// loses the secrets of the request whose context the record was made with.
type redactingHandler struct{ slog.Handler }

func (h redactingHandler) Handle(ctx context.Context, r slog.Record) error {
	set, _ := ctx.Value(secretsKey{}).(*secretSet)
	out := slog.NewRecord(r.Time, r.Level, set.clean(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(scrubAttr(set, a))
		return true
	})
	return h.Handler.Handle(ctx, out)
}

func scrubAttr(set *secretSet, a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		s := v.String()
		if a.Key == "path" {
			s = redactPath(s)
		}
		a.Value = slog.StringValue(set.clean(s))
	case slog.KindAny:
		if err, ok := v.Any().(error); ok {
			a.Value = slog.StringValue(set.clean(err.Error()))
		}
	case slog.KindGroup:
		attrs := v.Group()
		clean := make([]any, len(attrs))
		for i, g := range attrs {
			clean[i] = scrubAttr(set, g)
		}
		a = slog.Group(a.Key, clean...)
	}
	return a
}

func (h redactingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return redactingHandler{h.Handler.WithAttrs(attrs)}
}

func (h redactingHandler) WithGroup(name string) slog.Handler {
	return redactingHandler{h.Handler.WithGroup(name)}
}
