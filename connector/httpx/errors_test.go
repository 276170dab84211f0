package httpx_test

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/recipekit/recipekit/connector/httpx"
	"github.com/recipekit/recipekit/connector/internal/httpfake"
)

// response answers a GET whose URL holds credentials and a token that
// errors must not show.
func response(code int, body string, header ...string) *http.Response {
	u, _ := url.Parse("https://user:pw@api.example.com/v1/items/ABC-1?expand=names&token=hush")
	return httpfake.Response(&http.Request{Method: http.MethodGet, URL: u}, code, body, header...)
}

func TestCheckResponseSuccessAndLimits(t *testing.T) {
	for _, code := range []int{200, 201, 204} {
		if err := httpx.CheckResponse(response(code, "")); err != nil {
			t.Errorf("%d: %v", code, err)
		}
	}
	if err := httpx.CheckResponse(nil); err == nil {
		t.Error("nil response accepted")
	}
	big := strings.Repeat("x", 3<<20)
	var e *httpx.StatusError
	if !errors.As(httpx.CheckResponse(response(500, big)), &e) || len(e.Body) != 1<<20 {
		t.Errorf("body of %d bytes kept, want 1 MiB", len(e.Body))
	}
	if len(e.Error()) > 1000 {
		t.Errorf("message of %d bytes for a huge plain-text body", len(e.Error()))
	}
}
