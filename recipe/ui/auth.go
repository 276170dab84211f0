package ui

import (
	"crypto/sha256"
	"crypto/subtle"
	"net"
	"net/http"
	"strings"

	"github.com/recipekit/recipekit/auth"
)

// Authenticator decides who a request comes from. Authenticate returns the
// user's name and true, or false to refuse the request with 401. It is
// called for every request, from many goroutines at once.
type Authenticator interface {
	Authenticate(r *http.Request) (user string, ok bool)
}

// AuthFunc adapts a function (such as a check of the program's own session
// cookie or of a header set by an authenticating proxy) to an
// Authenticator.
type AuthFunc func(r *http.Request) (user string, ok bool)

// Authenticate calls f.
func (f AuthFunc) Authenticate(r *http.Request) (string, bool) { return f(r) }

// challenger is implemented by authenticators that tell the browser how to
// authenticate (a WWW-Authenticate header).
type challenger interface {
	challenge() string
}

// equalSecret compares in constant time, whatever the lengths.
func equalSecret(got, want string) bool {
	g, w := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(g[:], w[:]) == 1
}

type bearer struct{ token auth.Secret }

// BearerToken accepts requests with the header "Authorization: Bearer
// <token>"; the user is "bearer".
func BearerToken(token auth.Secret) Authenticator { return bearer{token} }

func (b bearer) Authenticate(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || b.token.Reveal() == "" {
		return "", false
	}
	return "bearer", equalSecret(strings.TrimSpace(tok), b.token.Reveal())
}

func (bearer) challenge() string { return `Bearer realm="recipekit"` }

type basic struct {
	user     string
	password auth.Secret
}

// BasicAuth accepts HTTP basic authentication with this user name and
// password; browsers ask for them. Serve it over HTTPS only.
func BasicAuth(user string, password auth.Secret) Authenticator { return basic{user, password} }

func (b basic) Authenticate(r *http.Request) (string, bool) {
	u, p, ok := r.BasicAuth()
	if !ok || b.password.Reveal() == "" {
		return "", false
	}
	okUser := equalSecret(u, b.user)
	okPass := equalSecret(p, b.password.Reveal())
	return u, okUser && okPass
}

func (basic) challenge() string { return `Basic realm="recipekit", charset="UTF-8"` }

// loopbackOnly is the development mode's authenticator: no credentials,
// but only loopback clients naming a loopback host.
type loopbackOnly struct{}

func (loopbackOnly) Authenticate(r *http.Request) (string, bool) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return "", false
	}
	return "developer", isLoopbackHost(r.Host)
}

func isLoopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
