package httpx_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/recipekit/recipekit/connector/httpx"
)

// routeWords is the definition RouteTemplate implements: a segment
// matching it is an identifier.
var routeWords = regexp.MustCompile(`^(\d{2,}|[A-Za-z][A-Za-z0-9_]*-\d+|[0-9a-fA-F-]{16,}|[0-9a-f]+:[0-9a-f-]+)$`)

func referenceRoute(path string) string {
	parts := strings.Split(path, "/")
	for i, p := range parts {
		if p != "" && routeWords.MatchString(p) {
			parts[i] = "{id}"
		}
	}
	return strings.Join(parts, "/")
}

var routeCases = []string{
	"", "/", "//", "/rest/api/2/myself", "/rest/api/2/issue/PROJ-12/comment/10001", "/rest/api/2/issue/10001/", "/rest/api/2/issue/7",
	"/rest/agile/1.0/board/42/sprint", "/rest/api/3/user?x", "/a/ab_c-1/A-/-1/A1-2-3/a_-9/_A-1/Ä-1",
	"/rest/api/2/user/5b10ac8d82e05b22cc7d4ef5", "/x/557058:f58131cb-b67d-43c7-b30d-6b58d40bd077/y", "/x/557058:/:abc/ABC:def/a:b:c",
	"/x/0123456789abcdef/0123456789ABCDE/0123456789abcdeg/----------------", "12/34/", "/servicedesk/1/request/SD-3/transition",
}

func TestRouteTemplateMatchesItsDefinition(t *testing.T) {
	for _, p := range routeCases {
		if got, want := httpx.RouteTemplate(&http.Request{URL: &url.URL{Path: p}}), referenceRoute(p); got != want {
			t.Errorf("RouteTemplate(%q) = %q, want %q", p, got, want)
		}
	}
}

func FuzzRouteTemplate(f *testing.F) {
	for _, p := range routeCases {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, p string) {
		if got, want := httpx.RouteTemplate(&http.Request{URL: &url.URL{Path: p}}), referenceRoute(p); got != want {
			t.Errorf("RouteTemplate(%q) = %q, want %q", p, got, want)
		}
	})
}
