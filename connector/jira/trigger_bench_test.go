package jira

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/recipekit/recipekit/connector/internal/webhooksign"
	"github.com/recipekit/recipekit/connector/jira/jiratest"
	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/recipe/recipetest"
	"github.com/recipekit/recipekit/trigger"
)

// BenchmarkWebhookDeliveryLatency sends signed deliveries at 500 per
// second over loopback to the runtime's webhook handler and reports the
// time from sending a delivery to its 200 answer, which the handler gives
// once the job is durably accepted (p50 and p99).
func BenchmarkWebhookDeliveryLatency(b *testing.B) {
	srv := jiratest.New(b, jiratest.Options{})
	demo := srv.SeedDemo()
	ctx := context.Background()
	ts := newLaterServer(b)
	store := recipe.NewMemoryStore()
	eng := recipe.NewEngine(store, recipe.WithWebhookBaseURL(ts.URL))
	act := recipetest.NewAction("note", func(ctx context.Context, in keyInput) (struct{}, error) { return struct{}{}, nil })
	r, err := recipe.New("bench", userClient(b, srv, demo.Admin).IssueWebhook(WebhookOptions{PollOptions: PollOptions{Project: "DEMO"}}),
		recipe.Do("note", act, recipe.Pills{"key": "trigger.issue.key"}), recipe.Concurrency(8))
	if err != nil {
		b.Fatal(err)
	}
	if err := eng.Add(r); err != nil {
		b.Fatal(err)
	}
	ts.serve(eng.WebhookHandler())
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- eng.Run(runCtx) }()
	b.Cleanup(func() { stop(); <-done })
	var sub trigger.Subscription
	deadline := time.Now().Add(10 * time.Second)
	for {
		if sub, err = store.Subscription(ctx, "bench"); err == nil {
			break
		}
		if time.Now().After(deadline) {
			b.Fatal("the recipe did not subscribe")
		}
		time.Sleep(time.Millisecond)
	}
	secret := []byte(sub.Secret.Reveal())
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	url := ts.URL + "/bench"
	base := time.Now().UnixMilli()
	alice := User{AccountID: demo.Alice.AccountID}
	change := `{"field":"summary","fieldtype":"jira","from":null,"fromString":"a","to":null,"toString":"b"}`

	b.ReportAllocs()
	lat := make([]time.Duration, b.N)
	var wg sync.WaitGroup
	tick := time.NewTicker(2 * time.Millisecond) // 500 deliveries per second
	defer tick.Stop()
	b.ResetTimer()
	for i := range b.N {
		<-tick.C
		body := issuePayload("jira:issue_updated", fmt.Sprint(20000+i), fmt.Sprintf("DEMO-%d", 20000+i), "Task", base+int64(i), alice, change)
		wg.Go(func() {
			req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
			req.Header.Set("X-Hub-Signature", webhooksign.Sign(secret, body))
			req.Header.Set("X-Atlassian-Webhook-Identifier", fmt.Sprint("bench-", i))
			start := time.Now()
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			resp.Body.Close()
			lat[i] = time.Since(start)
			if resp.StatusCode != http.StatusOK {
				b.Errorf("status %d", resp.StatusCode)
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[min(len(lat)-1, len(lat)*99/100)].Microseconds())/1000, "p99-ms")
}

// BenchmarkPollBackfill reads a backfill of 10,000 issues created over a
// week and reports the search requests it took per 100 issues, and all
// requests (searches plus the one approximate count for progress).
func BenchmarkPollBackfill(b *testing.B) {
	for _, tc := range []struct {
		name string
		mode jiratest.Mode
	}{{"cloud", jiratest.Cloud}, {"datacenter", jiratest.DataCenter}} {
		b.Run(tc.name, func(b *testing.B) {
			const n = 10_000
			e := newTrigEnv(b, tc.mode, "Pacific/Auckland")
			now := e.clock.Now()
			for i := range n {
				at := now.Add(-7 * 24 * time.Hour).Add(time.Duration(i) * time.Minute)
				e.srv.SeedIssue(jiratest.IssueSeed{Project: "DEMO", IssueType: "Task", Summary: fmt.Sprint("old ", i), Created: at})
			}
			jc := e.client(b)
			ctx := context.Background()
			b.ReportAllocs()
			var searches, all, polls int
			for b.Loop() {
				e.srv.ResetRequests()
				trig := jc.NewIssue(PollOptions{Project: "DEMO", Since: now.Add(-8 * 24 * time.Hour), Now: e.clock.Now, Fields: []string{"summary"}})
				var cursor trigger.Cursor
				got := 0
				for {
					page, err := trig.Poll(ctx, cursor)
					if err != nil {
						b.Fatal(err)
					}
					polls++
					got += len(page.Events)
					cursor = page.Next
					if !page.More {
						break
					}
				}
				if got < n {
					b.Fatalf("backfill emitted %d of %d issues", got, n)
				}
				for _, r := range e.srv.Requests() {
					if strings.Contains(r.Path, "/search") {
						all++
						if !strings.Contains(r.Path, "approximate-count") {
							searches++
						}
					} else if !strings.HasSuffix(r.Path, "/serverInfo") {
						all++
					}
				}
			}
			runs := float64(b.N)
			b.ReportMetric(float64(searches)/runs/(n/100), "searches/100-issues")
			b.ReportMetric(float64(all)/runs, "requests/backfill")
			b.ReportMetric(float64(polls)/runs, "polls/backfill")
		})
	}
}
