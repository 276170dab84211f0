package jira

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/recipekit/recipekit/action"
)

func TestAttachmentActions(t *testing.T) {
	bothModes(t, func(t *testing.T, e *env) {
		key := e.demo.Issues[1].Key
		up, err := e.jc.UploadAttachment().Run(ctx, UploadAttachmentInput{IssueKey: key, Filename: "log.txt", Content: "line 1\nline 2\n"})
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "report.csv")
		os.WriteFile(path, []byte("a,b\n1,2\n"), 0o600)
		up2, err := e.jc.UploadAttachment().Run(ctx, UploadAttachmentInput{IssueKey: key, Path: path})
		if err != nil || len(up) != 1 || len(up2) != 1 || up2[0].Filename != "report.csv" || up[0].Size != 14 {
			t.Fatalf("uploads %+v %+v %v", up, up2, err)
		}
		if _, err := e.jc.UploadAttachment().Run(ctx, UploadAttachmentInput{IssueKey: key, Filename: "x"}); err == nil {
			t.Error("an upload without content passed validation")
		}
		list, err := e.jc.ListAttachments().Run(ctx, IssueKeyInput{IssueKey: key})
		if err != nil || len(list) != 2 {
			t.Errorf("list %+v %v", list, err)
		}
		dl, err := e.jc.DownloadAttachment().Run(ctx, DownloadAttachmentInput{AttachmentID: up[0].ID})
		if err != nil || string(dl.Content) != "line 1\nline 2\n" || dl.Attachment.Filename != "log.txt" {
			t.Errorf("download %q %+v %v", dl.Content, dl.Attachment, err)
		}
		out := filepath.Join(t.TempDir(), "copy.csv")
		dl, err = e.jc.DownloadAttachment().Run(ctx, DownloadAttachmentInput{AttachmentID: up2[0].ID, Path: out})
		if b, _ := os.ReadFile(out); err != nil || string(b) != "a,b\n1,2\n" || dl.Bytes != 8 {
			t.Errorf("download to file: %q %v", b, err)
		}
		var buf bytes.Buffer
		if _, err := e.jc.DownloadAttachment().Run(ctx, DownloadAttachmentInput{AttachmentID: up[0].ID, MaxBytes: 4, Writer: nil}); err == nil || !strings.Contains(err.Error(), "larger than 4 bytes") {
			t.Errorf("size cap: %v", err)
		}
		_ = buf
		del, err := e.jc.DeleteAttachment().Run(ctx, AttachmentRefInput{AttachmentID: up[0].ID})
		if err != nil || !del.Deleted {
			t.Errorf("delete %v", err)
		}
		if list, _ := e.jc.ListAttachments().Run(ctx, IssueKeyInput{IssueKey: key}); len(list) != 1 {
			t.Errorf("%d attachments left", len(list))
		}
	})
}

func TestDownloadDropsCredentialsOnRedirectToAnotherHost(t *testing.T) {
	var mediaAuth, mediaHits = "unset", 0
	media := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mediaHits++
		mediaAuth = r.Header.Get("Authorization")
		io.WriteString(w, "file-bytes")
	}))
	defer media.Close()
	jira := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "" {
			w.WriteHeader(401)
			return
		}
		switch r.URL.Path {
		case "/rest/api/2/attachment/10":
			fmt.Fprintf(w, `{"id":"10","filename":"a.txt","size":10,"content":"%s/rest/api/2/attachment/content/10"}`, "http://"+r.Host)
		case "/rest/api/2/attachment/content/10":
			http.Redirect(w, r, media.URL+"/file/10?token=signed", http.StatusSeeOther)
		default:
			http.NotFound(w, r)
		}
	}))
	defer jira.Close()
	jc := newTestClient(t, jira.URL, Cloud)
	var buf strings.Builder
	meta, n, err := jc.Attachments.Download(context.Background(), "10", &buf)
	if err != nil {
		t.Fatal(err)
	}
	if buf.String() != "file-bytes" || n != 10 || meta.Filename != "a.txt" {
		t.Errorf("got %q (%d bytes) meta %+v", buf.String(), n, meta)
	}
	if mediaHits != 1 || mediaAuth != "" {
		t.Errorf("media host got %d requests with Authorization %q; credentials must not leave Jira", mediaHits, mediaAuth)
	}
}

func TestDataCenterDownloadRefusesForeignContentURL(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"id":"10","filename":"a.txt","content":"https://evil.example.com/secure/attachment/10/a.txt"}`)
	}))
	defer srv.Close()
	_, _, err := newTestClient(t, srv.URL, DataCenter).Attachments.Download(context.Background(), "10", io.Discard)
	if err == nil || !strings.Contains(err.Error(), "refusing to send the connection's credentials") {
		t.Errorf("err = %v", err)
	}
}

// The upload must stream: the server sees the first bytes while the source
// is still producing. A client that read the whole source into memory first
// would deadlock here (and fail at the deadline).
func TestUploadStreamsTheBody(t *testing.T) {
	firstBytes := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Atlassian-Token") != "no-check" || !strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
			t.Errorf("headers %v", r.Header)
		}
		mr, err := r.MultipartReader()
		if err != nil {
			t.Error(err)
			return
		}
		part, err := mr.NextPart()
		if err != nil || part.FormName() != "file" || part.FileName() != "big.log" {
			t.Errorf("part %v %v", part, err)
			return
		}
		buf := make([]byte, 1024)
		if _, err := io.ReadFull(part, buf); err != nil {
			t.Error(err)
		}
		close(firstBytes)
		n, _ := io.Copy(io.Discard, part)
		fmt.Fprintf(w, `[{"id":"1","filename":"big.log","size":%d}]`, n+1024)
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	src := &gatedReader{first: 64 << 10, gate: firstBytes, ctx: ctx, rest: 1 << 20}
	out, _, err := newTestClient(t, srv.URL, Cloud).Attachments.Upload(ctx, "D-1", "big.log", src)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 1 || out[0].Size != 64<<10+1<<20 {
		t.Errorf("out %+v", out)
	}
}

// gatedReader yields first bytes, then waits for gate before the rest.
type gatedReader struct {
	first, rest int
	gate        chan struct{}
	ctx         context.Context
}

func (g *gatedReader) Read(p []byte) (int, error) {
	if g.first > 0 {
		n := min(len(p), g.first)
		g.first -= n
		return n, nil
	}
	select {
	case <-g.gate:
	case <-g.ctx.Done():
		return 0, errors.New("the upload buffered the body instead of streaming it")
	}
	if g.rest == 0 {
		return 0, io.EOF
	}
	n := min(len(p), g.rest)
	g.rest -= n
	return n, nil
}

func TestUploadFailureAfterSendingIsOutcomeUnknown(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		hj, _ := w.(http.Hijacker)
		conn, _, _ := hj.Hijack()
		conn.Close()
	}))
	defer srv.Close()
	_, _, err := newTestClient(t, srv.URL, Cloud).Attachments.Upload(context.Background(), "D-1", "a.txt", strings.NewReader("x"))
	if !errors.Is(err, action.ErrOutcomeUnknown) {
		t.Errorf("err = %v", err)
	}
}
