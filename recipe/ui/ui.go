package ui

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/recipekit/recipekit/recipe"
)

// Options configure [New].
type Options struct {
	// Engine, when set, adds each recipe's live state (last poll, lag,
	// queue) and the start, stop and re-run buttons. Without it the pages
	// are read-only.
	Engine *recipe.Engine
	// Auth authenticates every request. Required unless DevLoopbackOnly.
	Auth Authenticator
	// DevLoopbackOnly is the development mode: no credentials, but only
	// requests from a loopback address naming a loopback host are
	// answered. It cannot be combined with Auth. Never use it behind a
	// reverse proxy, whose requests all come from loopback.
	DevLoopbackOnly bool
	// Prefix is the path the handler is mounted at, such as "/ops"
	// (without a trailing slash); empty for the root. The handler expects
	// the full path (do not wrap it in http.StripPrefix).
	Prefix string
	// CSRFKey signs the CSRF tokens of forms; at least 32 bytes. When
	// empty a random key is made, so forms opened before a restart must
	// be reloaded.
	CSRFKey []byte
	// PageSize is the number of jobs per page of the job list; default 50.
	PageSize int
	// LiveInterval is how often a job page's live stream looks at the job
	// while it runs; default 500ms.
	LiveInterval time.Duration
	// Logger receives the handler's errors; default discards them.
	Logger *slog.Logger
	// Now is the clock for "the last day" and ages; default time.Now.
	Now func() time.Time
}

// Handler is the web UI. Build it with [New].
type Handler struct {
	store  recipe.Store
	opts   Options
	auth   Authenticator
	csrf   []byte
	mux    *http.ServeMux
	pages  map[string]*template.Template
	static http.Handler
	log    *slog.Logger
}

//go:embed assets
var assets embed.FS

// contentSecurityPolicy allows scripts, styles and images only from the
// handler itself: no inline script or style, no plug-ins, no framing, forms
// post only back here.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// New returns the UI over store. It fails when no authenticator is given
// and the development mode is not asked for, or when the options do not
// fit together.
func New(store recipe.Store, opts Options) (*Handler, error) {
	if store == nil {
		return nil, errors.New("ui: no store: pass the recipe.Store the engine writes to")
	}
	a := opts.Auth
	switch {
	case a != nil && opts.DevLoopbackOnly:
		return nil, errors.New("ui: Auth and DevLoopbackOnly exclude each other: use DevLoopbackOnly only on a developer's machine, without Auth")
	case a == nil && !opts.DevLoopbackOnly:
		return nil, errors.New("ui: no authenticator: set Options.Auth (ui.BearerToken, ui.BasicAuth or an ui.AuthFunc), or DevLoopbackOnly for a developer's machine; the UI never serves anonymous users")
	case opts.DevLoopbackOnly:
		a = loopbackOnly{}
	}
	if opts.Prefix != "" && (!strings.HasPrefix(opts.Prefix, "/") || strings.HasSuffix(opts.Prefix, "/")) {
		return nil, fmt.Errorf("ui: prefix %q must start with / and not end with one, such as /ops", opts.Prefix)
	}
	key := opts.CSRFKey
	if len(key) == 0 {
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, fmt.Errorf("ui: make a CSRF key: %w", err)
		}
	} else if len(key) < 32 {
		return nil, fmt.Errorf("ui: the CSRF key has %d bytes: give at least 32 random bytes", len(key))
	}
	if opts.PageSize <= 0 {
		opts.PageSize = 50
	}
	if opts.LiveInterval <= 0 {
		opts.LiveInterval = 500 * time.Millisecond
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h := &Handler{store: store, opts: opts, auth: a, csrf: key, log: log}
	if err := h.parseTemplates(); err != nil {
		return nil, err
	}
	static, err := fs.Sub(assets, "assets/static")
	if err != nil {
		return nil, err
	}
	h.static = http.StripPrefix(opts.Prefix+"/static/", http.FileServerFS(static))
	h.routes()
	return h, nil
}

func (h *Handler) routes() {
	p := h.opts.Prefix
	m := http.NewServeMux()
	m.HandleFunc("GET "+p+"/{$}", h.recipesPage)
	m.HandleFunc("GET "+p+"/recipes/{name}", h.recipePage)
	m.HandleFunc("POST "+p+"/recipes/{name}/start", h.startRecipe)
	m.HandleFunc("POST "+p+"/recipes/{name}/stop", h.stopRecipe)
	m.HandleFunc("POST "+p+"/recipes/{name}/rerun-failed", h.rerunFailed)
	m.HandleFunc("GET "+p+"/jobs", h.jobsPage)
	m.HandleFunc("GET "+p+"/jobs/{id}", h.jobPage)
	m.HandleFunc("GET "+p+"/jobs/{id}/live", h.jobLive)
	m.HandleFunc("POST "+p+"/jobs/{id}/rerun", h.rerunJob)
	m.Handle("GET "+p+"/static/", h.static)
	h.mux = m
}

// ServeHTTP authenticates the request, checks the CSRF token of a POST and
// serves the page.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", contentSecurityPolicy)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "same-origin")
	hd.Set("Cross-Origin-Opener-Policy", "same-origin")
	user, ok := h.auth.Authenticate(r)
	if !ok {
		if c, ok := h.auth.(challenger); ok {
			hd.Set("WWW-Authenticate", c.challenge())
		}
		http.Error(w, "authentication required", http.StatusUnauthorized)
		return
	}
	if r.Method == http.MethodPost {
		if err := r.ParseForm(); err != nil {
			http.Error(w, "bad form: "+err.Error(), http.StatusBadRequest)
			return
		}
		if !hmac.Equal([]byte(r.PostForm.Get("csrf")), []byte(h.csrfToken(user))) {
			http.Error(w, "the form's CSRF token is missing or wrong: reload the page and try again", http.StatusForbidden)
			return
		}
	}
	if !strings.HasPrefix(r.URL.Path, h.opts.Prefix+"/static/") {
		hd.Set("Cache-Control", "no-store")
	}
	h.mux.ServeHTTP(w, r.WithContext(withUser(r.Context(), user)))
}

// csrfToken is tied to the user, so a token seen by one user is worthless
// to another.
func (h *Handler) csrfToken(user string) string {
	m := hmac.New(sha256.New, h.csrf)
	m.Write([]byte("recipekit-ui-csrf\x00" + user))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// render executes a page template into a buffer first, so a template error
// becomes a clean 500 instead of half a page.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, page string, data pageData) {
	data.Prefix = h.opts.Prefix
	data.CSRF = h.csrfToken(userFrom(r.Context()))
	data.User = userFrom(r.Context())
	data.CanChange = h.opts.Engine != nil
	var buf bytes.Buffer
	if err := h.pages[page].ExecuteTemplate(&buf, "layout", data); err != nil {
		h.log.Error("ui: render page", "page", page, "error", err)
		http.Error(w, "the page could not be rendered", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// fail answers an error page; not-found errors become 404.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, status int, msg string, err error) {
	if errors.Is(err, recipe.ErrNotFound) {
		status = http.StatusNotFound
	}
	if status >= 500 {
		h.log.Error("ui: "+msg, "path", r.URL.Path, "error", err)
	}
	text := msg
	if err != nil && status < 500 {
		text += ": " + err.Error()
	}
	h.render(w, r, status, "error", pageData{Title: http.StatusText(status), Error: text})
}
