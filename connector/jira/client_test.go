package jira

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/recipekit/recipekit/action"
	"github.com/recipekit/recipekit/auth"
	"github.com/recipekit/recipekit/connector/httpx"
)

// newTestClient returns a client for an httptest server, with retries
// that never sleep.
func newTestClient(t *testing.T, url string, d Deployment) *Client {
	t.Helper()
	jc, err := New(Config{URL: url, Deployment: d, Auth: auth.APIToken{Email: "bot@example.com", Token: "s3cret-token"},
		HTTP: httpx.Options{Sleep: func(context.Context, time.Duration) error { return nil }}})
	if err != nil {
		t.Fatal(err)
	}
	return jc
}

func TestCloudSearchStopsOnMissingTokenAndAlwaysAsksForFields(t *testing.T) {
	var mu sync.Mutex
	var queries []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		queries = append(queries, r.URL.RawQuery)
		mu.Unlock()
		if r.URL.Path != "/rest/api/2/search/jql" {
			http.NotFound(w, r)
			return
		}
		if r.URL.Query().Get("fields") == "" {
			t.Errorf("search without fields: %s", r.URL.RawQuery)
		}
		switch r.URL.Query().Get("nextPageToken") {
		case "":
			fmt.Fprint(w, `{"issues":[{"id":"1","key":"D-1","fields":{"summary":"a"}},{"id":"2","key":"D-2","fields":{}}],"nextPageToken":"p2","isLast":false}`)
		case "p2":
			// The last page omits nextPageToken but (wrongly) says isLast false.
			fmt.Fprint(w, `{"issues":[{"id":"3","key":"D-3","fields":{}}],"isLast":false}`)
		default:
			t.Errorf("asked for a page after the last: %s", r.URL.RawQuery)
			fmt.Fprint(w, `{"issues":[],"isLast":true}`)
		}
	}))
	defer srv.Close()
	jc := newTestClient(t, srv.URL, Cloud)
	var keys []string
	for is, err := range jc.Search.All(context.Background(), SearchOptions{JQL: "project = D", ReconcileIssues: []int64{3}}) {
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, is.Key)
	}
	if strings.Join(keys, ",") != "D-1,D-2,D-3" || len(queries) != 2 {
		t.Errorf("keys %v after %d requests", keys, len(queries))
	}
	if !strings.Contains(queries[0], "reconcileIssues=3") || !strings.Contains(queries[0], "fields=%2Anavigable") {
		t.Errorf("first query %s", queries[0])
	}
}

func TestCloudSearchStopsOnEmptyPage(t *testing.T) {
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n++
		if n > 1 {
			fmt.Fprint(w, `{"issues":[],"nextPageToken":"again","isLast":false}`)
			return
		}
		fmt.Fprint(w, `{"issues":[{"id":"1","key":"D-1","fields":{}}],"nextPageToken":"p2"}`)
	}))
	defer srv.Close()
	count := 0
	for _, err := range newTestClient(t, srv.URL, Cloud).Search.All(context.Background(), SearchOptions{JQL: "project = D"}) {
		if err != nil {
			t.Fatal(err)
		}
		count++
	}
	if count != 1 || n != 2 {
		t.Errorf("%d issues in %d requests", count, n)
	}
}

func TestDataCenterSearchHonoursEchoedPageSize(t *testing.T) {
	var starts []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/rest/api/2/search" {
			http.NotFound(w, r)
			return
		}
		start, _ := strconv.Atoi(r.URL.Query().Get("startAt"))
		starts = append(starts, strconv.Itoa(start))
		var issues []string
		for i := start; i < min(start+2, 5); i++ {
			issues = append(issues, fmt.Sprintf(`{"id":"%d","key":"D-%d","fields":{}}`, i+1, i+1))
		}
		// The server caps pages at 2 whatever the client asks.
		fmt.Fprintf(w, `{"startAt":%d,"maxResults":2,"total":5,"issues":[%s]}`, start, strings.Join(issues, ","))
	}))
	defer srv.Close()
	jc := newTestClient(t, srv.URL, DataCenter)
	n := 0
	for _, err := range jc.Search.All(context.Background(), SearchOptions{JQL: "project = D", MaxResults: 100}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 5 || strings.Join(starts, ",") != "0,2,4" {
		t.Errorf("%d issues, startAt sequence %v", n, starts)
	}
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

func TestResponseKeepsStatusOnError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(404)
		json.NewEncoder(w).Encode(map[string]any{"errorMessages": []string{"Issue does not exist or you do not have permission to see it."}})
	}))
	defer srv.Close()
	_, resp, err := newTestClient(t, srv.URL, Cloud).Issues.Get(context.Background(), "D-9", nil)
	if !errors.Is(err, httpx.ErrNotFound) || resp == nil || resp.StatusCode != 404 {
		t.Errorf("err %v resp %v", err, resp)
	}
}

// Data Center before 8.4 has only the old createmeta: the new endpoints
// answer 404 and the client falls back.
func TestCreateMetaFallsBackToOldEndpoint(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/rest/api/2/issue/createmeta" {
			w.WriteHeader(404)
			fmt.Fprint(w, `{"errorMessages":["Issue Does Not Exist"],"errors":{}}`)
			return
		}
		if r.URL.Query().Get("projectKeys") != "OLD" || r.URL.Query().Get("expand") != "projects.issuetypes.fields" {
			t.Errorf("query %s", r.URL.RawQuery)
		}
		fmt.Fprint(w, `{"projects":[{"key":"OLD","issuetypes":[{"id":"3","name":"Task","subtask":false,"fields":{
			"summary":{"required":true,"name":"Summary","schema":{"type":"string","system":"summary"}},
			"priority":{"required":false,"name":"Priority","schema":{"type":"priority"},"allowedValues":[{"id":"2","name":"High"}]}}}]}]}`)
	}))
	defer srv.Close()
	meta, err := newTestClient(t, srv.URL, DataCenter).Issues.CreateMetaFor(context.Background(), "OLD", "task")
	if err != nil {
		t.Fatal(err)
	}
	p, ok := meta.Field("priority")
	if meta.IssueType.ID != "3" || len(meta.Fields) != 2 || !ok || p.AllowedValues[0].Name != "High" {
		t.Errorf("meta %+v", meta)
	}
}

// endlessString is a JSON document that never ends: {"v":"aaaa...
type endlessString struct{ started bool }

func (e *endlessString) Read(p []byte) (int, error) {
	n := 0
	if !e.started {
		n = copy(p, `{"v":"`)
		e.started = true
	}
	for ; n < len(p); n++ {
		p[n] = 'a'
	}
	return n, nil
}

func TestDoRefusesAnAnswerPastTheLimit(t *testing.T) {
	defer func(n int64) { maxResponseBody = n }(maxResponseBody)
	maxResponseBody = 1 << 20
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.Copy(w, &endlessString{})
	}))
	t.Cleanup(srv.Close)
	jc := newTestClient(t, srv.URL, DataCenter)
	var v struct{ V string }
	_, err := jc.call(context.Background(), "GET", apiPath("/issue/DEMO-1"), nil, nil, &v)
	if !errors.Is(err, errResponseTooLarge) || !strings.Contains(err.Error(), "/rest/api/2/issue/DEMO-1") {
		t.Errorf("decoding an endless answer: %v", err)
	}
	out, err := jc.CustomRequest().Run(context.Background(), CustomRequestInput{Method: "GET", Path: "/rest/api/2/issue/DEMO-1"})
	if !errors.Is(err, errResponseTooLarge) || out.Body != nil {
		t.Errorf("custom request of an endless answer: body %T, err %v", out.Body, err)
	}
}
