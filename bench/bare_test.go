package bench

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"strconv"
	"sync"
	"time"
)

// runBare makes the requests recipekit makes for the job with a bare
// net/http keep-alive loop: serverInfo, the same keyset-paged searches
// (each page from the time of the previous page's last issue, leaving that
// issue out; the approximate count beside the first page of a search that
// does not fit one page), and one comment POST per issue: one at a time,
// or with rc.concurrency above 1, that many at once by as many goroutines
// while the next pages are read, as recipekit's workers do.
func runBare(ctx context.Context, sim *simulator, rc run) (sample, error) {
	st, err := sim.setup(ctx, benchIssues, rc.latency)
	if err != nil {
		return sample{}, err
	}
	runtime.GC()
	start := readMeter()
	tr := &http.Transport{MaxIdleConnsPerHost: max(4, rc.concurrency)}
	defer tr.CloseIdleConnections()
	c := &bareClient{hc: &http.Client{Transport: tr}, base: sim.url, ctx: ctx}
	comment := func(key, summary string) error {
		var comment struct {
			ID string `json:"id"`
		}
		body := map[string]string{"body": bareComment(key, summary)}
		return c.do(http.MethodPost, "/rest/api/2/issue/"+url.PathEscape(key)+"/comment", body, &comment)
	}
	var pool *commentPool
	if rc.concurrency > 1 {
		pool = newCommentPool(rc.concurrency, comment)
		comment = pool.send
		defer pool.close()
	}

	var info struct {
		DeploymentType string `json:"deploymentType"`
	}
	if err := c.do(http.MethodGet, "/rest/api/2/serverInfo", nil, &info); err != nil {
		return sample{}, err
	}
	if info.DeploymentType != "Cloud" {
		return sample{}, fmt.Errorf("the simulator says it is %q, not Cloud", info.DeploymentType)
	}
	project := strconv.Quote(st.Project)
	seek := st.Since.UnixMilli()
	skip := ""
	done := make(map[string]bool, benchIssues)
	for pages := 0; ; pages++ {
		bound := "project = " + project + " AND created >= " + strconv.FormatInt(seek, 10)
		if skip != "" {
			bound += " AND NOT (key in (" + strconv.Quote(skip) + ") AND created <= " + strconv.FormatInt(seek, 10) + ")"
		}
		q := url.Values{
			"jql":        {bound + " ORDER BY created ASC, key ASC"},
			"fields":     {"*navigable,created,updated,creator,reporter"},
			"maxResults": {"100"},
		}
		var page struct {
			Issues []struct {
				Key    string `json:"key"`
				Fields struct {
					Summary string `json:"summary"`
					Created string `json:"created"`
				} `json:"fields"`
			} `json:"issues"`
			NextPageToken string `json:"nextPageToken"`
			IsLast        bool   `json:"isLast"`
		}
		if err := c.do(http.MethodGet, "/rest/api/2/search/jql?"+q.Encode(), nil, &page); err != nil {
			return sample{}, err
		}
		last := len(page.Issues) == 0 || page.IsLast || page.NextPageToken == ""
		if pages == 0 && !last {
			var count struct {
				Count int64 `json:"count"`
			}
			if err := c.do(http.MethodPost, "/rest/api/2/search/approximate-count", map[string]string{"jql": bound}, &count); err != nil {
				return sample{}, err
			}
		}
		for _, is := range page.Issues {
			if done[is.Key] {
				return sample{}, fmt.Errorf("%s was read twice", is.Key)
			}
			done[is.Key] = true
			if err := comment(is.Key, is.Fields.Summary); err != nil {
				return sample{}, err
			}
		}
		if last {
			break
		}
		created, err := time.Parse("2006-01-02T15:04:05.000-0700", page.Issues[len(page.Issues)-1].Fields.Created)
		if err != nil {
			return sample{}, err
		}
		if ms := created.UnixMilli(); ms > seek {
			seek, skip = ms, page.Issues[len(page.Issues)-1].Key
		} else {
			return sample{}, fmt.Errorf("a page of issues all created at %d: the bare loop does not follow page tokens", seek)
		}
	}
	if pool != nil {
		if err := pool.close(); err != nil {
			return sample{}, err
		}
	}
	s := readMeter().since(start)
	if len(done) != benchIssues {
		return s, fmt.Errorf("the bare loop commented on %d of %d issues", len(done), benchIssues)
	}
	if s.reqs, err = sim.requests(ctx); err != nil {
		return s, err
	}
	return s, nil
}

// commentPool posts comments with a fixed number of goroutines.
type commentPool struct {
	keys chan [2]string // key and summary
	wg   sync.WaitGroup
	once sync.Once
	mu   sync.Mutex
	err  error // the first failure
}

func newCommentPool(n int, comment func(key, summary string) error) *commentPool {
	p := &commentPool{keys: make(chan [2]string, n)}
	for range n {
		p.wg.Go(func() {
			for k := range p.keys {
				if err := comment(k[0], k[1]); err != nil {
					p.mu.Lock()
					p.err = cmp.Or(p.err, err)
					p.mu.Unlock()
				}
			}
		})
	}
	return p
}

// send queues a comment; it reports the first failure seen so far.
func (p *commentPool) send(key, summary string) error {
	p.keys <- [2]string{key, summary}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// close waits for the comments queued and reports the first failure.
func (p *commentPool) close() error {
	p.once.Do(func() { close(p.keys) })
	p.wg.Wait()
	return p.err
}

// bareClient sends JSON requests with basic auth over one keep-alive
// transport.
type bareClient struct {
	hc   *http.Client
	base string
	ctx  context.Context
}

func (c *bareClient) do(method, path string, body, out any) error {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(c.ctx, method, c.base+path, r)
	if err != nil {
		return err
	}
	req.SetBasicAuth(benchEmail, benchToken)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, msg)
	}
	err = json.NewDecoder(resp.Body).Decode(out)
	_, _ = io.Copy(io.Discard, resp.Body)
	return err
}
