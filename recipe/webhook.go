package recipe

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/expr-lang/expr/vm"

	"github.com/recipekit/recipekit/trigger"
)

type subscriptionState struct {
	sub trigger.Subscription
}

func (ent *entry) currentSub() (trigger.Subscription, bool) {
	ent.subMu.Lock()
	defer ent.subMu.Unlock()
	if ent.sub == nil {
		return trigger.Subscription{}, false
	}
	return ent.sub.sub, true
}

// setSubscribing records whether a Subscribe call is under way: the sender
// may deliver as soon as it has registered the webhook, before Subscribe
// returns the subscription (and its secret) to the engine.
func (ent *entry) setSubscribing(on bool) {
	ent.subMu.Lock()
	ent.subscribing = on
	ent.subMu.Unlock()
}

func (ent *entry) isSubscribing() bool {
	ent.subMu.Lock()
	defer ent.subMu.Unlock()
	return ent.subscribing
}

func (ent *entry) setSub(s *trigger.Subscription) {
	ent.subMu.Lock()
	defer ent.subMu.Unlock()
	if s == nil {
		ent.sub = nil
		return
	}
	ent.sub = &subscriptionState{sub: *s}
}

// callbackURL is where the remote system delivers a recipe's events.
func (e *Engine) callbackURL(name string) string {
	return e.webhookBase + "/" + url.PathEscape(name)
}

func (e *Engine) saveSub(ctx context.Context, ent *entry, sub trigger.Subscription) {
	ent.setSub(&sub)
	if err := e.rt.store.SaveSubscription(context.WithoutCancel(ctx), ent.r.name, sub); err != nil {
		e.rt.log.Error("cannot store the webhook subscription", "recipe", ent.r.name, "error", err)
	}
}

// keepSubscribed registers a recipe's webhook when it starts and renews the
// registration before it expires, until ctx ends.
func (e *Engine) keepSubscribed(ctx context.Context, ent *entry) {
	wh := ent.r.src.webhook()
	name := ent.r.name
	cb := e.callbackURL(name)
	sleep := func(d time.Duration) bool {
		if d <= 0 {
			return ctx.Err() == nil
		}
		select {
		case <-ctx.Done():
			return false
		case <-e.rt.clock.After(d):
			return true
		}
	}
	prior, err := e.rt.store.Subscription(ctx, name)
	if err != nil && !errors.Is(err, ErrNotFound) {
		e.rt.log.Warn("cannot read the stored webhook subscription; subscribing afresh", "recipe", name, "error", err)
	}
	subscribe := func(prior trigger.Subscription) bool {
		wait := e.subRetryInitial
		for {
			// Only while the call is under way: between failed attempts no
			// new registration exists that could be delivering.
			ent.setSubscribing(true)
			sub, err := wh.subscribe(ctx, cb, prior)
			if err == nil {
				if sub.CallbackURL == "" {
					sub.CallbackURL = cb
				}
				e.saveSub(ctx, ent, sub)
				ent.setSubscribing(false)
				e.rt.log.Info("webhook subscribed", "recipe", name, "callback", cb, "expires", sub.ExpiresAt)
				return true
			}
			ent.setSubscribing(false)
			if ctx.Err() != nil {
				return false
			}
			e.rt.log.Error("cannot subscribe the webhook; the reconciliation poll still runs", "recipe", name, "error", err, "retry_in", wait)
			if !sleep(wait) {
				return false
			}
			wait = min(2*wait, e.subRetryMax)
		}
	}
	shared := e.coordinator() != nil
	switch {
	case shared && err == nil && prior.CallbackURL == cb && (prior.ExpiresAt.IsZero() || e.rt.clock.Now().Before(prior.ExpiresAt.Add(-wh.renewBefore()))):
		// On a shared store the registration belongs to the group: a
		// process taking the poll lease over keeps it (and its secret,
		// which the other processes verify deliveries with).
		ent.setSub(&prior)
		e.rt.log.Info("webhook registration of the process group kept", "recipe", name, "callback", cb, "expires", prior.ExpiresAt)
	case !subscribe(prior):
		return
	}
	for {
		cur, _ := ent.currentSub()
		if cur.ExpiresAt.IsZero() {
			<-ctx.Done()
			return
		}
		if !sleep(cur.ExpiresAt.Add(-wh.renewBefore()).Sub(e.rt.clock.Now())) {
			return
		}
		sub, err := wh.renew(ctx, cur)
		if err == nil {
			e.saveSub(ctx, ent, sub)
			continue
		}
		if ctx.Err() != nil {
			return
		}
		e.rt.log.Warn("cannot renew the webhook subscription", "recipe", name, "error", err)
		if e.rt.clock.Now().After(cur.ExpiresAt) {
			if !subscribe(cur) {
				return
			}
			continue
		}
		if !sleep(time.Minute) {
			return
		}
	}
}

// unsubscribe removes a recipe's webhook registration when so configured.
func (e *Engine) unsubscribe(ctx context.Context, ent *entry) error {
	wh := ent.r.src.webhook()
	if !e.unsubscribeOnStop || wh == nil || e.webhookURL == nil {
		return nil
	}
	if e.coordinator() != nil {
		// The registration serves every process running the recipe: only
		// the last one to stop it removes it.
		last, err := e.leaveGroup(ctx, ent.r.name)
		if err != nil {
			return fmt.Errorf("recipe %q: leave the process group: %w", ent.r.name, err)
		}
		if !last {
			ent.setSub(nil)
			e.rt.log.Info("webhook registration kept: other processes still run the recipe", "recipe", ent.r.name)
			return nil
		}
	}
	sub, ok := ent.currentSub()
	if !ok {
		stored, err := e.rt.store.Subscription(ctx, ent.r.name)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		sub = stored
	}
	if err := wh.unsubscribe(ctx, sub); err != nil {
		return fmt.Errorf("recipe %q: unsubscribe webhook: %w", ent.r.name, err)
	}
	ent.setSub(nil)
	return e.rt.store.DeleteSubscription(ctx, ent.r.name)
}

// WebhookHandler returns the handler that receives webhook deliveries at
// <base path>/<recipe name> (see [WithWebhookBaseURL]); mount it at the
// base path without stripping the prefix, or at the root.
//
// For each POST it reads the body (capped, see [WithMaxBodyBytes]: larger
// bodies get 413; a body that does not arrive within the read timeout, see
// [WithReadTimeout], gets its connection closed), asks the recipe's trigger to verify and parse it (an
// error wrapping trigger.ErrUnauthenticated answers 401 and nothing runs;
// any other error 400; so does a delivery any of whose events lacks a
// valid ID or a time after the Unix epoch, and then none of its events
// runs), drops duplicates by event ID, stores the new jobs
// and only then answers 200 with a JSON count. A store failure answers 500
// so the sender retries. While the recipe's webhook is being registered, a
// delivery with no known subscription, or one that fails verification
// (it may be signed with the secret of the registration being made),
// answers 503 with Retry-After, so the sender tries again instead of
// dropping it. Unknown recipes, and recipes whose trigger is not a webhook
// or that have no subscription, answer 404.
func (e *Engine) WebhookHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		e.serveWebhook(sw, req)
		outcome := "accepted"
		if sw.status >= 300 {
			outcome = "refused"
		}
		e.tel.deliveries.Add(req.Context(), 1, metric.WithAttributes(
			attribute.String("outcome", outcome), attribute.Int("http.response.status_code", sw.status)))
	})
}

// statusWriter remembers the status a handler answered.
type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (e *Engine) serveWebhook(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "webhook deliveries must be POST", http.StatusMethodNotAllowed)
		return
	}
	path := req.URL.EscapedPath()
	if e.webhookURL != nil {
		base := strings.TrimRight(e.webhookURL.EscapedPath(), "/")
		if base != "" && strings.HasPrefix(path, base+"/") {
			path = path[len(base):]
		}
	}
	name, err := url.PathUnescape(strings.TrimPrefix(path, "/"))
	if err != nil || name == "" || strings.Contains(name, "/") {
		http.Error(w, "no recipe at this path", http.StatusNotFound)
		return
	}
	ent, err := e.entry(name)
	if err != nil {
		http.Error(w, "no recipe at this path", http.StatusNotFound)
		return
	}
	wh := ent.r.src.webhook()
	if wh == nil {
		http.Error(w, "this recipe's trigger does not receive webhooks", http.StatusNotFound)
		return
	}
	shared := e.coordinator() != nil
	sub, ok := ent.currentSub()
	cached := ok
	if !ok {
		stored, err := e.rt.store.Subscription(req.Context(), name)
		if err != nil {
			// On a shared store another process may be registering the
			// webhook right now.
			if ent.isSubscribing() || shared && errors.Is(err, ErrNotFound) {
				notReady(w)
				return
			}
			http.Error(w, "this recipe has no webhook subscription", http.StatusNotFound)
			return
		}
		sub = stored
	}
	// A sender that announces a body and stalls must not hold the
	// connection: the body gets the read timeout from here on. Servers
	// without read deadlines (test recorders) answer ErrNotSupported.
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(e.readTimeout))
	body, err := io.ReadAll(http.MaxBytesReader(w, req.Body, e.maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, fmt.Sprintf("delivery larger than %d bytes", e.maxBody), http.StatusRequestEntityTooLarge)
			return
		}
		e.rt.log.Warn("webhook delivery dropped: its body could not be read", "recipe", name, "error", err)
		http.Error(w, "cannot read the delivery", http.StatusBadRequest)
		return
	}
	events, err := wh.parse(sub, req.Header, body)
	if err != nil && shared && cached && errors.Is(err, trigger.ErrUnauthenticated) {
		// Another process may have registered the webhook afresh since
		// this one cached the registration: verify with the stored one.
		if stored, serr := e.rt.store.Subscription(req.Context(), name); serr == nil {
			events, err = wh.parse(stored, req.Header, body)
		}
	}
	if err == nil {
		err = checkDelivered(events)
	}
	if err != nil {
		if errors.Is(err, trigger.ErrUnauthenticated) {
			if ent.isSubscribing() {
				// Possibly signed with the secret of the registration being
				// made, which the engine does not know yet.
				notReady(w)
				return
			}
			e.rt.log.Warn("webhook delivery rejected: not authenticated", "recipe", name)
			http.Error(w, "delivery not authenticated", http.StatusUnauthorized)
			return
		}
		e.rt.log.Warn("webhook delivery rejected", "recipe", name, "error", err)
		http.Error(w, "delivery rejected: "+err.Error(), http.StatusBadRequest)
		return
	}
	m, _ := ent.vms.Get().(*vm.VM)
	if m == nil {
		m = &vm.VM{MemoryBudget: ent.r.opts.PillMemoryBudget}
	}
	res, qs, err := e.accept(req.Context(), ent, m, newRecordBuf(maxPageBuf), events, nil, false)
	ent.vms.Put(m)
	if err != nil {
		e.rt.log.Error("cannot store a webhook delivery", "recipe", name, "error", err)
		http.Error(w, "cannot store the delivery; retry later", http.StatusInternalServerError)
		return
	}
	e.mu.Lock()
	run := ent.run
	e.mu.Unlock()
	if run != nil {
		run.push(qs...)
	}
	e.rt.hooks.PollFinished(req.Context(), name, res)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]int{"events": res.Events, "new": res.New, "duplicates": res.Duplicates, "skipped": res.Skipped})
}

// ListenAndServe runs eng (see [Engine.Run]) and serves its webhook
// handler on addr until ctx ends, then shuts both down gracefully. The
// handler is mounted at the path of the engine's webhook base URL. The
// address actually listened on (useful with a port of 0) is logged at
// Info level; use [Serve] with your own listener to know it in code.
func ListenAndServe(ctx context.Context, addr string, eng *Engine) error {
	if eng == nil {
		return errors.New("recipe: ListenAndServe: the engine is nil")
	}
	if err := eng.configErr(); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("recipe: listen on %s: %w", addr, err)
	}
	return Serve(ctx, ln, eng)
}

// Serve is [ListenAndServe] on a listener the caller opened; it closes ln
// when it returns.
func Serve(ctx context.Context, ln net.Listener, eng *Engine) error {
	if eng == nil || ln == nil {
		if ln != nil {
			_ = ln.Close()
		}
		return errors.New("recipe: Serve needs an engine and a listener")
	}
	if err := eng.configErr(); err != nil {
		_ = ln.Close()
		return err
	}
	mux := http.NewServeMux()
	base := "/"
	if eng.webhookURL != nil {
		base = strings.TrimRight(eng.webhookURL.Path, "/") + "/"
	}
	mux.Handle(base, eng.WebhookHandler())
	srv := &http.Server{
		Handler: mux,
		// Slow senders are shed: headers get the read timeout, the whole
		// request twice that (the webhook handler itself gives the body the
		// read timeout once it starts reading), and idle keep-alive
		// connections are closed after a while.
		ReadHeaderTimeout: eng.readTimeout,
		ReadTimeout:       2 * eng.readTimeout,
		IdleTimeout:       2 * time.Minute,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	eng.rt.log.Info("serving webhooks", "addr", ln.Addr().String(), "path", base)
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	runErr := eng.Run(ctx)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), eng.shutdownTimeout)
	defer cancel()
	shutErr := srv.Shutdown(sctx)
	if err := <-serveErr; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return errors.Join(runErr, err)
	}
	return errors.Join(runErr, shutErr)
}

// epoch is the earliest event time a delivery may carry: a time at or
// before the Unix epoch is what a missing timestamp decodes to.
var epoch = time.Unix(0, 0)

// checkDelivered refuses a delivery any of whose events lacks a usable ID
// (the dedup key: empty, or not valid UTF-8, or holding the replacement
// character a decoder puts in place of invalid bytes)
// or time (zero, or at or before the Unix epoch). The whole delivery is
// refused, so nothing of a malformed payload runs.
func checkDelivered(events []rawEvent) error {
	for i, ev := range events {
		switch {
		case ev.ID == "":
			return fmt.Errorf("event %d of the delivery has no ID, so it cannot be deduplicated", i+1)
		case !utf8.ValidString(ev.ID) || strings.ContainsRune(ev.ID, utf8.RuneError):
			// JSON decoders turn invalid bytes into U+FFFD, so two different
			// mangled IDs would collide in the ledger.
			return fmt.Errorf("event %d of the delivery has an ID that is not valid UTF-8 (%q)", i+1, ev.ID)
		case !ev.Time.After(epoch):
			return fmt.Errorf("event %d (ID %q) of the delivery has no time (a missing or zero timestamp)", i+1, ev.ID)
		}
	}
	return nil
}

// notReady answers a delivery that arrived while the recipe's webhook is
// being registered with a retryable status, so the sender tries it again
// instead of dropping it (senders do not retry a 401 or a 404).
func notReady(w http.ResponseWriter) {
	w.Header().Set("Retry-After", "1")
	http.Error(w, "this recipe's webhook registration is under way; retry", http.StatusServiceUnavailable)
}
