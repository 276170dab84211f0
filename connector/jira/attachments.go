package jira

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/recipekit/recipekit/action"
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
	if err := checkResponse(hresp); err != nil {
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
	return callJSON[Attachment](ctx, s.client, "GET", apiPath("/attachment/%s", id), nil, nil)
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
		if err := checkResponse(resp); err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		return io.Copy(w, resp.Body)
	}
}

func sameHost(a, b *url.URL) bool {
	return strings.EqualFold(a.Host, b.Host) && a.Scheme == b.Scheme
}

// UploadAttachmentInput is the input of the upload_attachment action. Give
// exactly one source: Path (a local file), Content (text from pills) or
// Reader (Go callers).
type UploadAttachmentInput struct {
	IssueKey string `json:"issueKey" expr:"issueKey" scope:"issue"`
	// Filename is the attachment's name; default the base name of Path.
	Filename string `json:"filename,omitempty" expr:"filename"`
	// Path is a local file to upload.
	Path string `json:"path,omitempty" expr:"path"`
	// Content is the attachment's content as text.
	Content string `json:"content,omitempty" expr:"content"`
	// Reader streams the content (not recorded in job records).
	Reader io.Reader `json:"-" expr:"reader"`
}

func validateUpload(in UploadAttachmentInput) error {
	n := 0
	for _, set := range []bool{in.Path != "", in.Content != "", in.Reader != nil} {
		if set {
			n++
		}
	}
	var errs []error
	errs = append(errs, validIssueKey("issueKey", in.IssueKey))
	if n != 1 {
		errs = append(errs, action.Invalid("path", "give exactly one source: path, content or reader (%d given)", n))
	}
	if in.Filename == "" && in.Path == "" {
		errs = append(errs, action.Invalid("filename", "is required when the content does not come from a file path"))
	}
	if strings.ContainsAny(in.Filename, "/\\") {
		errs = append(errs, action.Invalid("filename", "%q must be a bare file name, without directories", in.Filename))
	}
	return errors.Join(errs...)
}

// UploadAttachment returns the upload_attachment action. The content is
// streamed (multipart through a pipe), never read into memory.
//
// Exactly once: Jira keeps no key with an attachment, so the action
// recognises its upload as an attachment of the same file name and size
// (size unknown for a Reader: name only) added by this account since the
// step run began. When an earlier attempt may have run (a retry, a resumed
// job) or the upload ends ambiguously, the issue's attachments are read
// first and the upload is sent again only when none matches; content from
// a Reader cannot be sent twice, so then the outcome stays unknown. Jira's
// window: the same account attaching a file of the same name and size to
// the same issue in the same minutes (another job, a person using the
// integration account) is taken for this step's upload.
func (c *Client) UploadAttachment() action.Action[UploadAttachmentInput, []Attachment] {
	return newAction(c, "upload_attachment", validateUpload, func(ctx context.Context, in UploadAttachmentInput) ([]Attachment, error) {
		name := in.Filename
		size := int64(-1)
		switch {
		case in.Path != "":
			st, err := os.Stat(in.Path)
			if err != nil {
				return nil, action.Invalid("path", "cannot open %s: %v", in.Path, err)
			}
			size = st.Size()
			if name == "" {
				name = filepath.Base(in.Path)
			}
		case in.Content != "":
			size = int64(len(in.Content))
		}
		readerUsed := false
		return exactlyOnce(ctx, c, effectWrite[[]Attachment]{
			what: fmt.Sprintf("uploading %s to %s", filepath.Base(name), in.IssueKey),
			write: func(ctx context.Context, _ action.Effect) ([]Attachment, error) {
				var r io.Reader
				switch {
				case in.Path != "":
					f, err := os.Open(in.Path)
					if err != nil {
						return nil, action.Invalid("path", "cannot open %s: %v", in.Path, err)
					}
					defer f.Close()
					r = f
				case in.Content != "":
					r = strings.NewReader(in.Content)
				default:
					if readerUsed {
						return nil, action.Permanent(fmt.Errorf("jira: uploading %s to %s: the first upload's outcome is unknown and no attachment of that name is there yet, but the content came from a Reader that cannot be read again; upload from a path or text content to let the action send it again: %w", name, in.IssueKey, action.ErrOutcomeUnknown))
					}
					readerUsed = true
					r = in.Reader
				}
				return decoded(c.Attachments.Upload(ctx, in.IssueKey, name, r))
			},
			resendRefused: in.Path != "" || in.Content != "",
			find: func(ctx context.Context, e action.Effect) ([]Attachment, bool, error) {
				return c.Attachments.findUpload(ctx, in.IssueKey, filepath.Base(name), size, since(e))
			},
		})
	})
}

// findUpload returns the attachment of issue named filename, of size bytes
// (any size when negative), added by this account at or after notBefore.
func (s *AttachmentsService) findUpload(ctx context.Context, issue, filename string, size int64, notBefore time.Time) ([]Attachment, bool, error) {
	me, _, err := s.client.Users.Myself(ctx)
	if err != nil {
		return nil, false, err
	}
	list, _, err := s.List(ctx, issue)
	if err != nil {
		return nil, false, err
	}
	for i := len(list) - 1; i >= 0; i-- {
		a := list[i]
		if a.Filename != filename || (size >= 0 && a.Size != size) || a.Created.Time.Before(notBefore) || !sameUser(&a.Author, me) {
			continue
		}
		return []Attachment{a}, true, nil
	}
	return nil, false, nil
}

// DownloadAttachmentInput is the input of the download_attachment action.
type DownloadAttachmentInput struct {
	AttachmentID string `json:"attachmentId" expr:"attachmentId"`
	// Path, when set, is the file the content is written to; otherwise the
	// content is returned in the output (up to MaxBytes).
	Path string `json:"path,omitempty" expr:"path"`
	// MaxBytes caps content returned in the output (default 10 MiB).
	MaxBytes int64 `json:"maxBytes,omitempty" expr:"maxBytes"`
	// Writer receives the content instead (Go callers).
	Writer io.Writer `json:"-" expr:"writer"`
}

func (in DownloadAttachmentInput) validate() error {
	if in.MaxBytes < 0 {
		return action.Invalid("maxBytes", "must be positive")
	}
	return required("attachmentId", in.AttachmentID, "give the attachment id")
}

// DownloadedAttachment is the output of the download_attachment action.
type DownloadedAttachment struct {
	Attachment Attachment `json:"attachment" expr:"attachment"`
	// Bytes is the number of bytes downloaded.
	Bytes int64 `json:"bytes" expr:"bytes"`
	// Path is where the content was written, when a path was given.
	Path string `json:"path,omitempty" expr:"path"`
	// Content holds the content when neither Path nor Writer was given.
	Content []byte `json:"content,omitempty" expr:"content"`
}

const defaultMaxDownload = 10 << 20

// DownloadAttachment returns the download_attachment action. On Cloud it
// follows Jira's redirect to the media host without sending the Jira
// credentials there.
func (c *Client) DownloadAttachment() action.Action[DownloadAttachmentInput, DownloadedAttachment] {
	return newAction(c, "download_attachment", DownloadAttachmentInput.validate, func(ctx context.Context, in DownloadAttachmentInput) (DownloadedAttachment, error) {
		switch {
		case in.Writer != nil:
			meta, n, err := c.Attachments.Download(ctx, in.AttachmentID, in.Writer)
			return DownloadedAttachment{Attachment: meta, Bytes: n}, err
		case in.Path != "":
			tmp, err := os.CreateTemp(filepath.Dir(in.Path), ".download-*")
			if err != nil {
				return DownloadedAttachment{}, action.Invalid("path", "cannot write into the directory of %s: %v", in.Path, err)
			}
			defer os.Remove(tmp.Name())
			meta, n, err := c.Attachments.Download(ctx, in.AttachmentID, tmp)
			if cerr := tmp.Close(); err == nil {
				err = cerr
			}
			if err == nil {
				err = os.Rename(tmp.Name(), in.Path)
			}
			return DownloadedAttachment{Attachment: meta, Bytes: n, Path: in.Path}, err
		}
		limit := in.MaxBytes
		if limit == 0 {
			limit = defaultMaxDownload
		}
		var buf bytes.Buffer
		meta, n, err := c.Attachments.Download(ctx, in.AttachmentID, &limitWriter{w: &buf, n: limit})
		if errors.Is(err, errTooLarge) {
			return DownloadedAttachment{Attachment: meta}, action.Invalid("maxBytes", "attachment %s is larger than %d bytes; raise maxBytes or give a path", in.AttachmentID, limit)
		}
		return DownloadedAttachment{Attachment: meta, Bytes: n, Content: buf.Bytes()}, err
	})
}

var errTooLarge = errors.New("content larger than the limit")

type limitWriter struct {
	w io.Writer
	n int64
}

func (l *limitWriter) Write(p []byte) (int, error) {
	if int64(len(p)) > l.n {
		return 0, errTooLarge
	}
	l.n -= int64(len(p))
	return l.w.Write(p)
}

// ListAttachments returns the list_attachments action.
func (c *Client) ListAttachments() action.Action[IssueKeyInput, []Attachment] {
	return newAction(c, "list_attachments", IssueKeyInput.validate, func(ctx context.Context, in IssueKeyInput) ([]Attachment, error) {
		return decodedList(c.Attachments.List(ctx, in.IssueKey))
	})
}

// AttachmentRefInput names one attachment.
type AttachmentRefInput struct {
	AttachmentID string `json:"attachmentId" expr:"attachmentId"`
}

func (in AttachmentRefInput) validate() error {
	return required("attachmentId", in.AttachmentID, "give the attachment id")
}

// DeleteAttachment returns the delete_attachment action.
func (c *Client) DeleteAttachment() action.Action[AttachmentRefInput, DeleteResult] {
	return newAction(c, "delete_attachment", AttachmentRefInput.validate, func(ctx context.Context, in AttachmentRefInput) (DeleteResult, error) {
		if _, err := c.Attachments.Delete(ctx, in.AttachmentID); err != nil {
			return DeleteResult{ID: in.AttachmentID}, fmt.Errorf("jira: deleting attachment %s: %w", in.AttachmentID, err)
		}
		return DeleteResult{ID: in.AttachmentID, Deleted: true}, nil
	})
}

// Attachment is a file attached to an issue. Content is the URL of its
// bytes (on Cloud an API URL answering 303 to a media host; on Data Center
// a /secure/attachment URL).
type Attachment struct {
	Self      string `json:"self,omitempty" expr:"self"`
	ID        string `json:"id" expr:"id"`
	Filename  string `json:"filename" expr:"filename"`
	Author    User   `json:"author" expr:"author"`
	Created   Time   `json:"created" expr:"created"`
	Size      int64  `json:"size" expr:"size"`
	MimeType  string `json:"mimeType" expr:"mimeType"`
	Content   string `json:"content,omitempty" expr:"content"`
	Thumbnail string `json:"thumbnail,omitempty" expr:"thumbnail"`
}

// UnmarshalJSON reads an attachment, accepting an id sent as a number (as
// some Jira versions and the API documentation do) or a string.
func (a *Attachment) UnmarshalJSON(b []byte) error {
	type plain Attachment
	var v struct {
		plain
		ID flexID `json:"id"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*a = Attachment(v.plain)
	a.ID = string(v.ID)
	return nil
}
