package jiratest

import (
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
	{"GET", "/media/file/{token}/{name}", int(Cloud), "the media host behind attachment/content's 303, not part of the REST API; checked in TestRoutesOutsideTheSpec"},
	{"GET", "/secure/attachment/{id}/{name}", int(DataCenter), "Data Center attachment download servlet, not in the v2 spec; checked in TestRoutesOutsideTheSpec"},
	{"GET", "/rest/webhooks/1.0/webhook", both, "admin webhooks (/rest/webhooks/1.0) are not in the v2 spec; the documented field set is checked in TestShapesMatchSamples"},
	{"POST", "/rest/webhooks/1.0/webhook", both, "admin webhooks: not in the v2 spec; checked in TestAdminWebhookDelivery and TestShapesMatchSamples"},
	{"GET", "/rest/webhooks/1.0/webhook/{id}", both, "admin webhooks: not in the v2 spec; the documented field set is checked in TestRoutesOutsideTheSpec"},
	{"PUT", "/rest/webhooks/1.0/webhook/{id}", both, "admin webhooks: not in the v2 spec; the documented field set is checked in TestRoutesOutsideTheSpec"},
	{"DELETE", "/rest/webhooks/1.0/webhook/{id}", both, "admin webhooks: not in the v2 spec; 204 then 404 checked in TestRoutesOutsideTheSpec"},
	{"GET", "/rest/jira-webhook/1.0/webhooks", int(DataCenter), "Data Center 10 admin webhooks, not in the v2 spec; checked in TestDataCenter10WebhookResource"},
	{"POST", "/rest/jira-webhook/1.0/webhooks", int(DataCenter), "Data Center 10 admin webhooks, not in the v2 spec; checked in TestDataCenter10WebhookResource"},
	{"GET", "/rest/jira-webhook/1.0/webhooks/{id}", int(DataCenter), "Data Center 10 admin webhooks, not in the v2 spec; 404 after delete checked in TestDataCenter10WebhookResource"},
	{"PUT", "/rest/jira-webhook/1.0/webhooks/{id}", int(DataCenter), "Data Center 10 admin webhooks, not in the v2 spec; checked in TestDataCenter10WebhookResource"},
	{"DELETE", "/rest/jira-webhook/1.0/webhooks/{id}", int(DataCenter), "Data Center 10 admin webhooks, not in the v2 spec; checked in TestDataCenter10WebhookResource"},
	{"GET", "/rest/agile/1.0/board", both, "Jira Software (/rest/agile/1.0) is not in the v2 spec; shape checked against testdata/agile in connector/jira's TestAgileSimulatorMatchesFixtures, filters and paging in TestAgileBoardsAndSprintsService"},
	{"GET", "/rest/agile/1.0/board/{id}", both, "Jira Software: not in the v2 spec; shape checked in connector/jira's TestAgileSimulatorMatchesFixtures"},
	{"GET", "/rest/agile/1.0/board/{id}/sprint", both, "Jira Software: not in the v2 spec; shape checked in connector/jira's TestAgileSimulatorMatchesFixtures, state filter in TestAgileBoardsAndSprintsService"},
	{"GET", "/rest/agile/1.0/board/{id}/backlog", both, "Jira Software: not in the v2 spec; checked in connector/jira's TestAgileBoardsAndSprintsService"},
	{"POST", "/rest/agile/1.0/sprint", both, "Jira Software: not in the v2 spec; checked in connector/jira's TestAgileBoardsAndSprintsService"},
	{"GET", "/rest/agile/1.0/sprint/{id}", both, "Jira Software: not in the v2 spec; shape checked in connector/jira's TestAgileSimulatorMatchesFixtures"},
	{"POST", "/rest/agile/1.0/sprint/{id}", both, "Jira Software partial sprint update (start and close): not in the v2 spec; checked in connector/jira's TestAgileBoardsAndSprintsService"},
	{"GET", "/rest/agile/1.0/sprint/{id}/issue", both, "Jira Software: not in the v2 spec; shape checked in connector/jira's TestAgileSimulatorMatchesFixtures"},
	{"POST", "/rest/agile/1.0/sprint/{id}/issue", both, "Jira Software: not in the v2 spec; checked in connector/jira's TestAgileBoardsAndSprintsService"},
	{"POST", "/rest/agile/1.0/backlog/issue", both, "Jira Software: not in the v2 spec; checked in connector/jira's TestAgileBoardsAndSprintsService"},
	{"GET", "/rest/agile/1.0/epic/{k}/issue", both, "Jira Software: not in the v2 spec; checked in connector/jira's TestAgileEpicsAndRankService"},
	{"POST", "/rest/agile/1.0/epic/{k}/issue", both, "Jira Software (Data Center's way to set an Epic Link, and removal from epics): not in the v2 spec; checked in connector/jira's TestAgileEpicsAndRankService"},
	{"PUT", "/rest/agile/1.0/issue/rank", both, "Jira Software: not in the v2 spec; 204 and 207 answers checked in connector/jira's TestAgileEpicsAndRankService"},
	{"GET", "/rest/servicedeskapi/servicedesk", both, "Jira Service Management, not in the v2 spec; shapes from testdata/servicedesk; checked in TestServiceDeskLookups and TestServiceDeskShapes (connector/jira)"},
	{"GET", "/rest/servicedeskapi/servicedesk/{id}", both, "Jira Service Management, not in the v2 spec; shapes from testdata/servicedesk; checked in TestServiceDeskLookups (connector/jira)"},
	{"GET", "/rest/servicedeskapi/servicedesk/{id}/requesttype", both, "Jira Service Management, not in the v2 spec; shapes from testdata/servicedesk; checked in TestServiceDeskLookups and TestServiceDeskShapes (connector/jira)"},
	{"GET", "/rest/servicedeskapi/servicedesk/{id}/requesttype/{rt}", both, "Jira Service Management, not in the v2 spec; shapes from testdata/servicedesk; checked in TestServiceDeskLookups (connector/jira)"},
	{"GET", "/rest/servicedeskapi/servicedesk/{id}/requesttype/{rt}/field", both, "Jira Service Management, not in the v2 spec; shapes from testdata/servicedesk; checked in TestServiceDeskLookups and TestServiceDeskShapes (connector/jira)"},
	{"GET", "/rest/servicedeskapi/servicedesk/{id}/customer", both, "Jira Service Management, not in the v2 spec; shapes from testdata/servicedesk; checked in TestServiceDeskLookups and TestServiceDeskExperimentalEndpointsNeedTheOptIn (412 without X-ExperimentalApi) (connector/jira)"},
	{"POST", "/rest/servicedeskapi/servicedesk/{id}/customer", both, "Jira Service Management, not in the v2 spec; shapes from testdata/servicedesk; checked in TestServiceDeskLookups (connector/jira)"},
	{"GET", "/rest/servicedeskapi/request", both, "Jira Service Management, not in the v2 spec; shapes from testdata/servicedesk; checked in TestServiceDeskWritesLandOnce (the lookup after a lost answer) (connector/jira)"},
	{"POST", "/rest/servicedeskapi/request", both, "Jira Service Management, not in the v2 spec; shapes from testdata/servicedesk; checked in TestCustomerRequestLifecycle and TestServiceDeskWritesLandOnce (connector/jira)"},
	{"GET", "/rest/servicedeskapi/request/{k}", both, "Jira Service Management, not in the v2 spec; shapes from testdata/servicedesk; checked in TestCustomerRequestLifecycle and TestServiceDeskShapes (connector/jira)"},
	{"GET", "/rest/servicedeskapi/request/{k}/status", both, "Jira Service Management, not in the v2 spec; shapes from testdata/servicedesk; checked in TestCustomerRequestLifecycle and TestServiceDeskShapes (connector/jira)"},
	{"GET", "/rest/servicedeskapi/request/{k}/sla", both, "Jira Service Management, not in the v2 spec; shapes from testdata/servicedesk; checked in TestCustomerRequestLifecycle and TestServiceDeskShapes (connector/jira)"},
	{"GET", "/rest/servicedeskapi/request/{k}/comment", both, "Jira Service Management, not in the v2 spec; shapes from testdata/servicedesk; checked in TestCustomerRequestLifecycle and TestServiceDeskShapes (connector/jira)"},
	{"POST", "/rest/servicedeskapi/request/{k}/comment", both, "Jira Service Management, not in the v2 spec; shapes from testdata/servicedesk; checked in TestCustomerRequestLifecycle (connector/jira)"},
	{"GET", "/rest/servicedeskapi/request/{k}/transition", both, "Jira Service Management, not in the v2 spec; shapes from testdata/servicedesk; checked in TestCustomerRequestLifecycle (connector/jira)"},
	{"POST", "/rest/servicedeskapi/request/{k}/transition", both, "Jira Service Management, not in the v2 spec; shapes from testdata/servicedesk; checked in TestCustomerRequestLifecycle (connector/jira)"},
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
	t.Logf("routes %d: exercised %d, excluded %d", len(s.routes), len(exercised), len(excluded))
}

// adminHookKeys is the field set Atlassian documents for an admin
// webhook (/rest/webhooks/1.0), which the v2 spec does not describe.
var adminHookKeys = []string{"self", "name", "url", "events", "filters", "excludeBody", "enabled", "lastUpdated", "lastUpdatedUser", "lastUpdatedDisplayName"}

// TestRoutesOutsideTheSpec checks the excluded routes that no other test
// sends a request to: admin webhook read, update and delete by id, the
// Cloud media download behind attachment/content's 303, and the Data
// Center /secure/attachment download.
func TestRoutesOutsideTheSpec(t *testing.T) {
	t.Run("admin webhook by id", func(t *testing.T) {
		_, _, c, _ := setup(t, Cloud)
		created := c.must(201, c.do("POST", "/rest/webhooks/1.0/webhook", map[string]any{"name": "first", "url": "http://127.0.0.1:9/hook", "events": []string{"jira:issue_created"}})).json(t)
		self, _ := created["self"].(string)
		id := self[strings.LastIndex(self, "/")+1:]
		if id == "" {
			t.Fatalf("created admin webhook has no id in self: %v", created)
		}
		path := "/rest/webhooks/1.0/webhook/" + id
		got := c.must(200, c.get(path)).json(t)
		for _, k := range adminHookKeys {
			if _, ok := got[k]; !ok {
				t.Errorf("GET %s lacks %q: %v", path, k, keySet(got))
			}
		}
		upd := c.must(200, c.do("PUT", path, map[string]any{"name": "renamed", "url": "http://127.0.0.1:9/hook", "events": []string{"jira:issue_updated"}})).json(t)
		if upd["name"] != "renamed" || !slices.Equal(toStrings(upd["events"]), []string{"jira:issue_updated"}) {
			t.Errorf("PUT %s answered %v", path, upd)
		}
		if again := c.must(200, c.get(path)).json(t); again["name"] != "renamed" {
			t.Errorf("GET after PUT: name %v", again["name"])
		}
		c.must(204, c.do("DELETE", path, nil))
		if r := c.get(path); r.status != 404 {
			t.Errorf("GET after DELETE: %d, want 404", r.status)
		}
	})
	t.Run("cloud media download", func(t *testing.T) {
		_, _, c, _ := setup(t, Cloud)
		id := upload(t, c, "DEMO-1", "media.txt", "media bytes")
		r := c.get("/rest/api/2/attachment/content/" + id)
		if r.status != 303 {
			t.Fatalf("attachment/content: %d, want 303", r.status)
		}
		loc := r.header.Get("Location")
		if !strings.Contains(loc, "/media/file/") {
			t.Fatalf("303 Location %q is not a media URL", loc)
		}
		u, err := url.Parse(loc)
		if err != nil {
			t.Fatal(err)
		}
		media := newClient(t, u.Scheme+"://"+u.Host, nil)
		got := media.must(200, media.get(u.RequestURI()))
		if string(got.body) != "media bytes" || !strings.HasPrefix(got.header.Get("Content-Type"), "text/plain") {
			t.Errorf("media answered %q (%s)", got.body, got.header.Get("Content-Type"))
		}
		withAuth := newClient(t, u.Scheme+"://"+u.Host, bearer("jira-token"))
		if r := withAuth.get(u.RequestURI()); r.status != 401 {
			t.Errorf("media with an Authorization header: %d, want 401", r.status)
		}
		if r := media.get("/media/file/unknown-token/media.txt"); r.status != 404 {
			t.Errorf("unknown media token: %d, want 404", r.status)
		}
	})
	t.Run("data center secure attachment", func(t *testing.T) {
		s, _, c, _ := setup(t, DataCenter)
		id := upload(t, c, "DEMO-1", "dc.txt", "dc bytes")
		meta := c.must(200, c.get("/rest/api/2/attachment/"+id)).json(t)
		content, _ := meta["content"].(string)
		want := s.URL() + "/secure/attachment/" + id + "/dc.txt"
		if content != want {
			t.Fatalf("DC content URL %q, want %q", content, want)
		}
		got := c.must(200, c.get(strings.TrimPrefix(content, s.URL())))
		if string(got.body) != "dc bytes" {
			t.Errorf("secure/attachment answered %q", got.body)
		}
		if r := newClient(t, s.URL(), nil).get("/secure/attachment/" + id + "/dc.txt"); r.status != 401 {
			t.Errorf("secure/attachment without credentials: %d, want 401", r.status)
		}
	})
}

func toStrings(v any) []string {
	l, _ := v.([]any)
	out := make([]string, 0, len(l))
	for _, x := range l {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}
