package jira

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/recipekit/recipekit/action"
)

// UploadAttachmentInput is the input of the upload_attachment action. Give
// exactly one source: Path (a local file), Content (text from pills) or
// Reader (Go callers).
type UploadAttachmentInput struct {
	IssueKey string `json:"issueKey" expr:"issueKey"`
	// Filename is the attachment's name; default the base name of Path.
	Filename string `json:"filename,omitempty" expr:"filename"`
	// Path is a local file to upload.
	Path string `json:"path,omitempty" expr:"path"`
	// Content is the attachment's content as text.
	Content string `json:"content,omitempty" expr:"content"`
	// Reader streams the content (not recorded in job records).
	Reader io.Reader `json:"-" expr:"reader"`
}

func (in UploadAttachmentInput) permissionScope() PermissionScope {
	return PermissionScope{IssueKey: in.IssueKey}
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
// streamed (multipart through a pipe), never read into memory; the upload
// is sent once.
func (c *Client) UploadAttachment() action.Action[UploadAttachmentInput, []Attachment] {
	return newAction(c, action.Info{
		Name:        "upload_attachment",
		Title:       "Upload attachment",
		Description: "Attaches a file (from a path, text content or a reader) to an issue; the content is streamed.",
		Idempotent:  false,
		Permissions: []string{"CREATE_ATTACHMENTS", "BROWSE_PROJECTS"},
	}, validateUpload, func(ctx context.Context, in UploadAttachmentInput) ([]Attachment, error) {
		r := in.Reader
		name := in.Filename
		switch {
		case in.Path != "":
			f, err := os.Open(in.Path)
			if err != nil {
				return nil, action.Invalid("path", "cannot open %s: %v", in.Path, err)
			}
			defer f.Close()
			r = f
			if name == "" {
				name = filepath.Base(in.Path)
			}
		case in.Content != "":
			r = strings.NewReader(in.Content)
		}
		out, _, err := c.Attachments.Upload(ctx, in.IssueKey, name, r)
		return out, err
	})
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
	return newAction(c, action.Info{
		Name:        "download_attachment",
		Title:       "Download attachment",
		Description: "Downloads an attachment's content to a file or into the output.",
		Idempotent:  true,
		Permissions: []string{"BROWSE_PROJECTS"},
	}, func(in DownloadAttachmentInput) error {
		if in.MaxBytes < 0 {
			return action.Invalid("maxBytes", "must be positive")
		}
		return required("attachmentId", in.AttachmentID, "give the attachment id")
	}, func(ctx context.Context, in DownloadAttachmentInput) (DownloadedAttachment, error) {
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
	return newAction(c, action.Info{
		Name:        "list_attachments",
		Title:       "List attachments",
		Description: "Lists an issue's attachments (names, sizes, types, authors).",
		Idempotent:  true,
		Permissions: []string{"BROWSE_PROJECTS"},
	}, func(in IssueKeyInput) error { return validIssueKey("issueKey", in.IssueKey) },
		func(ctx context.Context, in IssueKeyInput) ([]Attachment, error) {
			out, _, err := c.Attachments.List(ctx, in.IssueKey)
			if out == nil && err == nil {
				out = []Attachment{}
			}
			return out, err
		})
}

// AttachmentRefInput names one attachment.
type AttachmentRefInput struct {
	AttachmentID string `json:"attachmentId" expr:"attachmentId"`
}

// DeleteAttachment returns the delete_attachment action.
func (c *Client) DeleteAttachment() action.Action[AttachmentRefInput, DeleteResult] {
	return newAction(c, action.Info{
		Name:        "delete_attachment",
		Title:       "Delete attachment",
		Description: "Deletes an attachment.",
		Idempotent:  true,
		Permissions: []string{"DELETE_ALL_ATTACHMENTS", "DELETE_OWN_ATTACHMENTS"},
	}, func(in AttachmentRefInput) error {
		return required("attachmentId", in.AttachmentID, "give the attachment id")
	},
		func(ctx context.Context, in AttachmentRefInput) (DeleteResult, error) {
			if _, err := c.Attachments.Delete(ctx, in.AttachmentID); err != nil {
				return DeleteResult{ID: in.AttachmentID}, fmt.Errorf("jira: deleting attachment %s: %w", in.AttachmentID, err)
			}
			return DeleteResult{ID: in.AttachmentID, Deleted: true}, nil
		})
}
