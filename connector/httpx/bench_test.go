package httpx_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/recipekit/recipekit/auth"
	"github.com/recipekit/recipekit/connector/httpx"
)

// BenchmarkDo compares Client.Do (credential, retry machinery, logging off)
// with a bare http.Client against the same loopback server.
func BenchmarkDo(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"ok":true}`)
	}))
	defer srv.Close()
	run := func(b *testing.B, do func(*http.Request) (*http.Response, error)) {
		b.ReportAllocs()
		for b.Loop() {
			req, _ := http.NewRequest(http.MethodGet, srv.URL+"/rest/api/2/myself", nil)
			resp, err := do(req)
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
	b.Run("bare", func(b *testing.B) {
		bare := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
		run(b, bare.Do)
	})
	b.Run("bare+auth", func(b *testing.B) {
		c := &http.Client{Transport: auth.PAT{Token: "t"}.Transport(http.DefaultTransport.(*http.Transport).Clone())}
		run(b, c.Do)
	})
	b.Run("httpx", func(b *testing.B) {
		c, err := httpx.New(auth.PAT{Token: "t"}, httpx.Options{})
		if err != nil {
			b.Fatal(err)
		}
		run(b, c.Do)
	})
}
