package jiratest

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// routeExclusion is a route the Cloud spec conformance test does not
// exercise, and why. Each one names where its shape is checked instead.
type routeExclusion struct {
	method, pattern string
	mode            int // as in route.mode: both, Cloud or DataCenter
	reason          string
}

// notInCloudSpec lists the routes ../shared/jira/openapi-v2.json cannot
// check. Everything else the router serves must be exercised by
// cloudConformanceCases.
var notInCloudSpec = []routeExclusion{
	{"GET", "/rest/api/2/search", int(Cloud), "removed on Cloud (CHANGE-2046): the simulator answers 410, which the spec predates; checked in TestSearchErrors"},
	{"POST", "/rest/api/2/search", int(Cloud), "removed on Cloud (CHANGE-2046): 410, as GET; checked in TestSearchErrors"},
	{"GET", "/rest/api/2/search", int(DataCenter), "Data Center only behaviour (startAt/total paging); the spec describes Cloud; checked in TestDataCenterPaginationEndToEnd and TestSearchErrors"},
	{"POST", "/rest/api/2/search", int(DataCenter), "Data Center only behaviour, as GET; checked in TestDataCenterPaginationEndToEnd"},
	{"GET", "/media/file/{token}/{name}", int(Cloud), "the media host behind attachment/content's 303, not part of the REST API; checked in attachments_test.go"},
	{"GET", "/secure/attachment/{id}/{name}", int(DataCenter), "Data Center attachment download servlet, not in the v2 spec; checked in attachments_test.go"},
	{"GET", "/rest/webhooks/1.0/webhook", both, "admin webhooks (/rest/webhooks/1.0) are not in the v2 spec; the documented field set is checked in TestShapesMatchSamples"},
	{"POST", "/rest/webhooks/1.0/webhook", both, "admin webhooks: not in the v2 spec; checked in TestAdminWebhookDelivery and TestShapesMatchSamples"},
	{"GET", "/rest/webhooks/1.0/webhook/{id}", both, "admin webhooks: not in the v2 spec; checked in TestAdminWebhookDelivery"},
	{"PUT", "/rest/webhooks/1.0/webhook/{id}", both, "admin webhooks: not in the v2 spec; checked in TestAdminWebhookDelivery"},
	{"DELETE", "/rest/webhooks/1.0/webhook/{id}", both, "admin webhooks: not in the v2 spec; checked in TestAdminWebhookDelivery"},
	{"POST", "/oauth/token", int(Cloud), "OAuth 2.0 (3LO) token endpoint of auth.atlassian.com, not in the v2 spec; checked in TestOAuthRotationAndExpiry"},
	{"GET", "/oauth/token/accessible-resources", int(Cloud), "OAuth 2.0 endpoint of api.atlassian.com, not in the v2 spec; checked in TestAccessibleResourcesAndAuthorize"},
	{"GET", "/authorize", int(Cloud), "OAuth 2.0 consent redirect of auth.atlassian.com, not in the v2 spec; checked in TestAccessibleResourcesAndAuthorize"},
}

func routeName(method, pattern string, mode int) string {
	switch mode {
	case int(Cloud):
		return method + " " + pattern + " (Cloud)"
	case int(DataCenter):
		return method + " " + pattern + " (Data Center)"
	}
	return method + " " + pattern
}

// specTemplateServes reports whether a spec path template (parameters in
// braces) names the same segments as a route pattern.
func specTemplateServes(template string, rt *route) bool {
	segs := strings.Split(strings.Trim(template, "/"), "/")
	if len(segs) != len(rt.segs) {
		return false
	}
	for i, p := range rt.segs {
		param, tparam := strings.HasPrefix(p, "{"), strings.HasPrefix(segs[i], "{")
		if param != tparam || (!param && p != segs[i]) {
			return false
		}
	}
	return true
}

// TestConformanceCoversEveryRoute fails when the router serves a route
// that the Cloud conformance cases neither send a request to nor list in
// notInCloudSpec, when a case is served by a route other than the spec
// path it validates against, and when an exclusion is stale.
func TestConformanceCoversEveryRoute(t *testing.T) {
	s, cases := cloudConformanceCases(t)
	if len(s.routes) == 0 {
		t.Fatal("the router has no routes")
	}
	exercised := map[string]int{}
	for _, tc := range cases {
		u, err := url.Parse(tc.via.base + tc.path)
		if err != nil {
			t.Fatalf("case %s %s: %v", tc.method, tc.path, err)
		}
		path := strings.TrimPrefix(u.Path, "/ex/jira/"+s.CloudID())
		rt, _, _ := s.match(tc.method, path)
		if rt == nil {
			t.Errorf("case %s %s is served by no route", tc.method, tc.path)
			continue
		}
		if rt.method != tc.method {
			t.Errorf("case %s %s is served by %s %s", tc.method, tc.path, rt.method, rt.pattern)
		}
		if !specTemplateServes(tc.template, rt) {
			t.Errorf("case %s %s validates against spec path %s but is served by route %s", tc.method, tc.path, tc.template, rt.pattern)
		}
		exercised[routeName(rt.method, rt.pattern, rt.mode)]++
	}

	excluded := map[string]string{}
	for _, x := range notInCloudSpec {
		name := routeName(x.method, x.pattern, x.mode)
		if _, dup := excluded[name]; dup {
			t.Errorf("exclusion %s is listed twice", name)
		}
		if strings.TrimSpace(x.reason) == "" {
			t.Errorf("exclusion %s gives no reason", name)
		}
		excluded[name] = x.reason
	}

	registered := map[string]bool{}
	var missing []string
	for i := range s.routes {
		rt := &s.routes[i]
		name := routeName(rt.method, rt.pattern, rt.mode)
		if registered[name] {
			t.Errorf("route %s is registered twice", name)
		}
		registered[name] = true
		_, ex := excluded[name]
		switch {
		case exercised[name] > 0 && ex:
			t.Errorf("route %s is exercised by the conformance cases and also listed in notInCloudSpec: drop the exclusion", name)
		case exercised[name] == 0 && !ex:
			missing = append(missing, name)
		}
	}
	for name := range excluded {
		if !registered[name] {
			t.Errorf("exclusion %s names no registered route: drop or correct it", name)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		t.Errorf("%d routes are neither exercised by cloudConformanceCases nor listed in notInCloudSpec (add a case, or an exclusion with the reason):\n  %s",
			len(missing), strings.Join(missing, "\n  "))
	}
	t.Log(fmt.Sprintf("routes %d: exercised %d, excluded %d", len(s.routes), len(exercised), len(excluded)))
}
