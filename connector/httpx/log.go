package httpx

import (
	"context"
	"errors"
	"log/slog"
	"net/url"
	"time"
)

// Records carry method, path (never the query string, which may hold a
// secret), status, attempt and wait; never headers or bodies.

func (c *Client) logAttempt(ctx context.Context, st *call, status int, err error) {
	if c.log == nil || !c.log.Enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs := []slog.Attr{
		slog.String("method", st.method),
		slog.String("path", st.path),
		slog.Int("attempt", st.attempt),
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", sanitize(err).Error()))
	} else {
		attrs = append(attrs, slog.Int("status", status))
	}
	c.log.LogAttrs(ctx, slog.LevelDebug, "http attempt", attrs...)
}

func (c *Client) logRetry(ctx context.Context, st *call, status int) {
	if c.log == nil {
		return
	}
	attrs := []slog.Attr{
		slog.String("method", st.method),
		slog.String("path", st.path),
		slog.Int("attempt", st.attempt),
		slog.Duration("wait", st.wait),
	}
	if status != 0 {
		attrs = append(attrs, slog.Int("status", status))
	}
	c.log.LogAttrs(ctx, slog.LevelInfo, "http retry", attrs...)
}

func (c *Client) logGiveUp(ctx context.Context, st *call, status int, wait time.Duration) {
	if c.log == nil {
		return
	}
	c.log.LogAttrs(ctx, slog.LevelWarn, "http rate limit wait above cap",
		slog.String("method", st.method),
		slog.String("path", st.path),
		slog.Int("attempt", st.attempt),
		slog.Int("status", status),
		slog.Duration("wait", wait),
		slog.Duration("cap", c.opts.MaxRetryWait),
	)
}

// sanitize strips the query string and user info from the URL of a
// *url.Error in err's chain. The *url.Error was made by http.Client for this
// request alone, so it is rewritten in place and errors.As finds the clean
// URL too.
func sanitize(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil {
			ue.URL = cleanURL(u)
		} else {
			ue.URL = "(unparseable URL)"
		}
	}
	return err
}
