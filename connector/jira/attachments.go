package jira

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/recipekit/recipekit/action"
	"github.com/recipekit/recipekit/connector/httpx"
)

// AttachmentsService uploads, downloads, lists and deletes attachments.
type AttachmentsService service

// Upload attaches the content of r to an issue as filename. The body is
// streamed as multipart/form-data (part "file") through a pipe, never held
// in memory, with the X-Atlassian-Token: no-check header Jira requires. The
// upload is sent once; a failure after sending wraps
// action.ErrOutcomeUnknown.
func (s *AttachmentsService) Upload(ctx context.Context, issue, filename string, r io.Reader) ([]Attachment, *Response, error) {
	if strings.TrimSpace(filename) == "" {
		return nil, nil, errors.New("jira: the attachment needs a file name")
	}
	if r == nil {
		return nil, nil, errors.New("jira: the attachment has no content (nil reader)")
	}
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	req, err := s.client.NewRequest(ctx, "POST", apiPath("/issue/%s/attachments", issue), nil, pr)
	if err != nil {
		return nil, nil, err
	}
	req.ContentLength = -1
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("X-Atlassian-Token", "no-check")
	// A write into the pipe fails once the request is over, which ends the
	// writer even when the transport never read the body.
	defer pr.CloseWithError(errors.New("upload finished"))
	go func() {
		h := make(textproto.MIMEHeader)
		h.Set("Content-Disposition", mime.FormatMediaType("form-data", map[string]string{"name": "file", "filename": filepath.Base(filename)}))
		ct := mime.TypeByExtension(filepath.Ext(filename))
		if ct == "" {
			ct = "application/octet-stream"
		}
		h.Set("Content-Type", ct)
		part, err := mw.CreatePart(h)
		if err == nil {
			_, err = io.Copy(part, r)
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	// The plain client (credentials, no retries) keeps the body streaming.
	hresp, err := s.client.hc.HTTPClient().Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, nil, fmt.Errorf("jira: uploading %s to %s: %w (the attachment may or may not have been added: %w)", filename, issue, ctx.Err(), action.ErrOutcomeUnknown)
		}
		return nil, nil, fmt.Errorf("jira: uploading %s to %s: %v: %w", filename, issue, err, action.ErrOutcomeUnknown)
	}
	resp := &Response{Response: hresp, Total: -1}
	if err := httpx.CheckResponse(hresp); err != nil {
		return nil, resp, err
	}
	defer hresp.Body.Close()
	var out []Attachment
	if err := decodeJSON(hresp.Body, &out); err != nil {
		return nil, resp, fmt.Errorf("jira: decoding the upload answer: %w", err)
	}
	return out, resp, nil
}

// Get returns an attachment's metadata.
func (s *AttachmentsService) Get(ctx context.Context, id string) (Attachment, *Response, error) {
	var a Attachment
	resp, err := s.client.call(ctx, "GET", apiPath("/attachment/%s", id), nil, nil, &a)
	return a, resp, err
}

// Delete deletes an attachment.
func (s *AttachmentsService) Delete(ctx context.Context, id string) (*Response, error) {
	return s.client.call(ctx, "DELETE", apiPath("/attachment/%s", id), nil, nil, nil)
}

// List returns the attachments of an issue.
func (s *AttachmentsService) List(ctx context.Context, issue string) ([]Attachment, *Response, error) {
	is, resp, err := s.client.Issues.Get(ctx, issue, &GetIssueOptions{Fields: []string{"attachment"}})
	return is.Fields.Attachment, resp, err
}

const maxRedirects = 5

// Download writes an attachment's content to w and returns its metadata and
// the number of bytes written. On Cloud it asks
// /rest/api/2/attachment/content/{id}, which answers 303 to a media host:
// the redirect is followed WITHOUT the Jira credentials when it leads to
// another host. On Data Center it reads the attachment's content URL with
// the connection's credentials, and refuses a content URL on another host.
func (s *AttachmentsService) Download(ctx context.Context, id string, w io.Writer) (Attachment, int64, error) {
	c := s.client
	meta, _, err := s.Get(ctx, id)
	if err != nil {
		return Attachment{}, 0, err
	}
	base, err := c.base(ctx)
	if err != nil {
		return meta, 0, err
	}
	d, err := c.Deployment(ctx)
	if err != nil {
		return meta, 0, err
	}
	var target *url.URL
	if d == Cloud || meta.Content == "" {
		req, err := c.NewRequest(ctx, "GET", apiPath("/attachment/content/%s", id), nil, nil)
		if err != nil {
			return meta, 0, err
		}
		target = req.URL
	} else {
		target, err = url.Parse(meta.Content)
		if err != nil {
			return meta, 0, fmt.Errorf("jira: attachment %s has an unreadable content URL: %w", id, err)
		}
		target = base.ResolveReference(target)
		if !sameHost(target, base) && !sameHost(target, c.site) {
			return meta, 0, fmt.Errorf("jira: attachment %s's content URL is on %s, not on the Jira site; refusing to send the connection's credentials there", id, target.Host)
		}
	}
	n, err := c.fetch(ctx, target, w)
	if err != nil {
		return meta, n, fmt.Errorf("jira: downloading attachment %s (%s): %w", id, meta.Filename, err)
	}
	return meta, n, nil
}

// fetch GETs target with credentials, follows redirects itself and drops the
// credentials as soon as a redirect leaves the API host.
func (c *Client) fetch(ctx context.Context, target *url.URL, w io.Writer) (int64, error) {
	authed := *c.hc.HTTPClient()
	authed.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	base := c.cfg.HTTP.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	anon := &http.Client{Transport: base, CheckRedirect: authed.CheckRedirect}
	origin := target
	client := &authed
	for hop := 0; ; hop++ {
		req, err := http.NewRequestWithContext(ctx, "GET", target.String(), nil)
		if err != nil {
			return 0, err
		}
		req.Header.Set("Accept", "*/*")
		if client == &authed {
			req.Header.Set("X-Atlassian-Token", "no-check")
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		if resp.StatusCode >= 300 && resp.StatusCode < 400 && resp.Header.Get("Location") != "" {
			resp.Body.Close()
			if hop >= maxRedirects {
				return 0, fmt.Errorf("more than %d redirects", maxRedirects)
			}
			loc, err := target.Parse(resp.Header.Get("Location"))
			if err != nil {
				return 0, fmt.Errorf("bad redirect location: %w", err)
			}
			if !sameHost(loc, origin) || (origin.Scheme == "https" && loc.Scheme != "https") {
				client = anon
			}
			target = loc
			continue
		}
		if err := httpx.CheckResponse(resp); err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		return io.Copy(w, resp.Body)
	}
}

func sameHost(a, b *url.URL) bool {
	return strings.EqualFold(a.Host, b.Host) && a.Scheme == b.Scheme
}
