package jira

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/recipekit/recipekit/auth"
	"github.com/recipekit/recipekit/connector/httpx"
	"github.com/recipekit/recipekit/connector/jira/jiratest"
)

// BenchmarkDecodeSearchPage decodes a 100-issue enhanced-search page of
// realistic issues (standard fields, custom fields, users, an attachment).
func BenchmarkDecodeSearchPage(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`{"isLast":false,"nextPageToken":"CAEaAggD","issues":[`)
	for i := range 100 {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(strings.Replace(issueJSON, `"key":"DEMO-7"`, fmt.Sprintf(`"key":"DEMO-%d"`, i+1), 1))
	}
	sb.WriteString(`]}`)
	page := []byte(sb.String())
	// Unmarshal is a SearchResult decoded by encoding/json (Search.Page);
	// keepJSON is the polling triggers' decoding, which keeps each issue's
	// JSON.
	b.Run("Unmarshal", func(b *testing.B) {
		b.SetBytes(int64(len(page)))
		b.ReportAllocs()
		for b.Loop() {
			var res SearchResult
			if err := json.Unmarshal(page, &res); err != nil || len(res.Issues) != 100 {
				b.Fatal(err)
			}
		}
	})
	b.Run("keepJSON", func(b *testing.B) {
		b.SetBytes(int64(len(page)))
		b.ReportAllocs()
		for b.Loop() {
			var res SearchResult
			var raw []json.RawMessage
			if err := (&rawSearchPage{res: &res, raw: &raw}).decodeKept(page); err != nil || len(res.Issues) != 100 || len(raw) != 100 {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkRequestOverhead compares reading one issue through the client
// (request building, auth, retry layer, error check, decoding) with a bare
// net/http request decoded the same way, against the same simulator.
func BenchmarkRequestOverhead(b *testing.B) {
	srv := jiratest.New(b, jiratest.Options{Mode: jiratest.Cloud})
	demo := srv.SeedDemo()
	jc, err := New(Config{URL: srv.URL(), Deployment: Cloud, Auth: basicFor(demo), HTTP: httpx.Options{}})
	if err != nil {
		b.Fatal(err)
	}
	key := demo.Issues[1].Key
	b.Run("client", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := jc.Issues.Get(ctx, key, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("net/http", func(b *testing.B) {
		hc := &http.Client{}
		url := srv.URL() + "/rest/api/2/issue/" + key
		b.ReportAllocs()
		for b.Loop() {
			req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
			req.SetBasicAuth(demo.Admin.Email, demo.Admin.APIToken)
			req.Header.Set("Accept", "application/json")
			resp, err := hc.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			var is Issue
			err = json.NewDecoder(resp.Body).Decode(&is)
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if err != nil || resp.StatusCode != 200 {
				b.Fatal(resp.Status, err)
			}
		}
	})
}

func basicFor(d jiratest.Demo) auth.Strategy {
	return auth.APIToken{Email: d.Admin.Email, Token: auth.Secret(d.Admin.APIToken)}
}
