package jira

import (
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/recipekit/recipekit/auth"
	"github.com/recipekit/recipekit/internal/testshared"
)

func TestTimeParsesJiraFormsAndRoundTrips(t *testing.T) {
	cases := []struct {
		in, out string
		want    time.Time
		date    bool
	}{
		{`"2019-07-05T11:05:00.000+0000"`, `"2019-07-05T11:05:00.000+0000"`, time.Date(2019, 7, 5, 11, 5, 0, 0, time.UTC), false},
		{`"2020-12-03T14:05:20.974+0100"`, `"2020-12-03T14:05:20.974+0100"`, time.Date(2020, 12, 3, 13, 5, 20, 974e6, time.UTC), false},
		{`"2019-03-11"`, `"2019-03-11"`, time.Date(2019, 3, 11, 0, 0, 0, 0, time.UTC), true},
		{`"2024-01-02T03:04:05Z"`, `"2024-01-02T03:04:05.000+0000"`, time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), false},
		{`1700000000000`, `"2023-11-14T22:13:20.000+0000"`, time.UnixMilli(1700000000000), false},
	}
	for _, c := range cases {
		var tm Time
		if err := json.Unmarshal([]byte(c.in), &tm); err != nil {
			t.Fatalf("%s: %v", c.in, err)
		}
		if !tm.Equal(c.want) || tm.IsDate() != c.date {
			t.Errorf("%s: got %v (date %v), want %v", c.in, tm.Time, tm.IsDate(), c.want)
		}
		b, _ := json.Marshal(tm)
		if string(b) != c.out {
			t.Errorf("%s: marshals as %s, want %s", c.in, b, c.out)
		}
	}
	var tm Time
	if err := json.Unmarshal([]byte(`null`), &tm); err != nil || !tm.IsZero() {
		t.Errorf("null: %v %v", tm, err)
	}
	if b, _ := json.Marshal(Time{}); string(b) != "null" {
		t.Errorf("zero marshals as %s", b)
	}
	if err := json.Unmarshal([]byte(`"next tuesday"`), &tm); err == nil || !strings.Contains(err.Error(), "2019-07-05T11:05:00.000+0000") {
		t.Errorf("bad time error should show the expected form, got %v", err)
	}
}

const issueJSON = `{"id":"10001","key":"DEMO-7","self":"http://x/rest/api/2/issue/10001","fields":{
 "summary":"Login fails","description":{"type":"doc","version":1,"content":[{"type":"paragraph","content":[{"type":"text","text":"Steps"}]}]},
 "issuetype":{"id":"1","name":"Bug","subtask":false},"project":{"id":"10000","key":"DEMO","name":"Demo"},
 "status":{"id":"3","name":"In Progress","statusCategory":{"id":4,"key":"indeterminate","name":"In Progress"}},
 "priority":{"id":"2","name":"High"},"resolution":null,"assignee":null,
 "reporter":{"accountId":"5b10","displayName":"Ann","active":true},
 "labels":["a","b"],"created":"2024-01-02T03:04:05.000+0000","updated":"2024-01-03T03:04:05.000+0000","duedate":"2024-02-01",
 "customfield_10010":"blue","customfield_10016":5,"customfield_10020":[{"id":"1","value":"x"}],"votes":{"votes":3},
 "attachment":[{"id":10000,"filename":"a.txt","size":3,"mimeType":"text/plain","created":"2024-01-02T03:04:05.000+0000","author":{"accountId":"5b10"}}]}}`

func TestIssueDecodesStandardCustomAndOtherFields(t *testing.T) {
	var is Issue
	if err := json.Unmarshal([]byte(issueJSON), &is); err != nil {
		t.Fatal(err)
	}
	f := is.Fields
	if f.Summary != "Login fails" || f.Description != "Steps" || f.Priority == nil || f.Priority.Name != "High" || f.Assignee != nil || f.Resolution != nil {
		t.Fatalf("standard fields wrong: %+v", f)
	}
	if f.Custom["customfield_10010"] != "blue" || f.Custom["customfield_10016"] != 5.0 || len(f.Custom) != 3 {
		t.Errorf("custom = %v", f.Custom)
	}
	if _, ok := f.Other["votes"]; !ok || len(f.Other) != 1 {
		t.Errorf("other = %v", f.Other)
	}
	if !f.DueDate.IsDate() || f.DueDate.String() != "2024-02-01" || f.Attachment[0].ID != "10000" {
		t.Errorf("duedate %v attachment id %q", f.DueDate, f.Attachment[0].ID)
	}
	// Job records store outputs as JSON and decode them back: the round
	// trip must keep custom and other fields.
	b, err := json.Marshal(is)
	if err != nil {
		t.Fatal(err)
	}
	var again Issue
	if err := json.Unmarshal(b, &again); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(is, again) {
		t.Errorf("round trip changed the issue:\n%+v\n%+v", is, again)
	}
}

func TestIssueFieldsToleratesOddShapes(t *testing.T) {
	// Atlassian's own example sends comment as an array: the other fields
	// must still decode.
	var f IssueFields
	err := json.Unmarshal([]byte(`{"summary":"s","comment":[{"body":"x"}],"labels":["l"]}`), &f)
	if err != nil {
		t.Fatal(err)
	}
	if f.Summary != "s" || len(f.Labels) != 1 || f.Comment != nil || f.Other["comment"] == nil {
		t.Errorf("lenient decode: %+v", f)
	}
}

func TestSpecSearchExampleDecodes(t *testing.T) {
	b, err := os.ReadFile(testshared.Path(t, "jira", "samples", "spec-examples-v2", "get_search_jql_200.json"))
	if err != nil {
		t.Fatal(err)
	}
	var res SearchResult
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Issues) != 1 || res.Issues[0].Fields.Description != "Main order flow broken" || res.Issues[0].Fields.Attachment[0].ID != "10000" {
		t.Errorf("decoded %+v", res.Issues)
	}
}

// Pills read models through expr tags, which must mirror the JSON names on
// every field (expr ignores json tags).
func TestEveryModelFieldHasAnExprTagMirroringJSON(t *testing.T) {
	seen := map[reflect.Type]bool{}
	var walk func(reflect.Type)
	walk = func(tp reflect.Type) {
		for tp.Kind() == reflect.Pointer || tp.Kind() == reflect.Slice || tp.Kind() == reflect.Map {
			tp = tp.Elem()
		}
		if tp.Kind() != reflect.Struct || tp.PkgPath() != reflect.TypeFor[Issue]().PkgPath() || seen[tp] || tp == reflect.TypeFor[Time]() {
			return
		}
		seen[tp] = true
		for i := range tp.NumField() {
			f := tp.Field(i)
			if !f.IsExported() {
				continue
			}
			ex, ok := f.Tag.Lookup("expr")
			if !ok {
				t.Errorf("%s.%s has no expr tag", tp.Name(), f.Name)
				continue
			}
			js, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if js != "" && js != "-" && js != ex {
				t.Errorf("%s.%s: expr tag %q differs from json name %q", tp.Name(), f.Name, ex, js)
			}
			walk(f.Type)
		}
	}
	for _, v := range []any{Issue{}, SearchResult{}, Project{}, Comment{}, Worklog{}, Watchers{}, CreateMeta{}, ServerInfo{},
		Permission{}, PermissionReport{}, DownloadedAttachment{}, SearchIssuesResult{}, ChangelogResult{}, AssignResult{},
		CustomResponse{}, DeleteResult{}, CreateIssueInput{}, UpdateIssueInput{}, TransitionIssueInput{}, AddCommentInput{},
		SearchIssuesInput{}, UploadAttachmentInput{}, DownloadAttachmentInput{}, VersionInput{}, ComponentInput{},
		CustomRequestInput{}, ExplainForbiddenInput{}, MyPermissionsInput{}, LinkIssuesInput{}, AddWorklogInput{},
		CreateProjectInput{}, UpdateProjectInput{}, AssignableUsersInput{}, FindUsersInput{}, DynamicWebhook{}, AdminWebhook{},
		RemoteLink{}, RemoteLinkRef{}, AddRemoteLinkInput{}, AddRemoteLinkResult{}, ListRemoteLinksInput{}} {
		walk(reflect.TypeOf(v))
	}
}

func TestConfigValidation(t *testing.T) {
	good := auth.APIToken{Email: "a@example.com", Token: "t0ken-value"}
	cases := []struct {
		cfg  Config
		want string
	}{
		{Config{URL: "", Auth: good}, "Config.URL is empty"},
		{Config{URL: "acme.atlassian.net", Auth: good}, "must start with https://"},
		{Config{URL: "https://", Auth: good}, "has no host"},
		{Config{URL: "https://u:p@acme.atlassian.net", Auth: good}, "must not contain credentials"},
		{Config{URL: "https://acme.atlassian.net/rest/api/2", Auth: good}, "points into the REST API"},
		{Config{URL: "https://acme.atlassian.net?x=1", Auth: good}, "without a query"},
		{Config{URL: "https://acme.atlassian.net"}, "Config.Auth is nil"},
		{Config{URL: "https://acme.atlassian.net", Auth: auth.APIToken{Email: "a@example.com"}}, "Config.Auth"},
		{Config{URL: "https://acme.atlassian.net", Auth: good, Deployment: 7}, "Deployment 7 is unknown"},
	}
	for _, c := range cases {
		_, err := New(c.cfg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want it to mention %q", c.cfg.URL, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "t0ken-value") {
			t.Errorf("error leaks the token: %v", err)
		}
	}
	jc, err := New(Config{URL: "https://jira.example.com/jira/", Auth: good})
	if err != nil {
		t.Fatal(err)
	}
	if jc.SiteURL() != "https://jira.example.com/jira" || jc.Name() != "jira" {
		t.Errorf("site %q name %q", jc.SiteURL(), jc.Name())
	}
}

func TestFieldNamesResolveAndAmbiguityListsIDs(t *testing.T) {
	fields := []Field{{ID: "summary", Name: "Summary"}, {ID: "customfield_10010", Name: "Team"}, {ID: "customfield_10011", Name: "team"}, {ID: "customfield_10016", Name: "Story Points"}}
	f, ok, err := matchField(fields, "story points")
	if err != nil || !ok || f.ID != "customfield_10016" {
		t.Errorf("by name: %v %v %v", f, ok, err)
	}
	f, ok, _ = matchField(fields, "customfield_10010")
	if !ok || f.ID != "customfield_10010" {
		t.Errorf("by id: %v", f)
	}
	_, _, err = matchField(fields, "Team")
	if err == nil || !strings.Contains(err.Error(), "customfield_10010, customfield_10011") {
		t.Errorf("ambiguous name error should list the ids: %v", err)
	}
	if _, ok, err := matchField(fields, "Nope"); ok || err != nil {
		t.Errorf("unknown: %v %v", ok, err)
	}
}

func TestShapeValue(t *testing.T) {
	opt := FieldMeta{Name: "Colour", Schema: FieldSchema{Type: "option"}, AllowedValues: []AllowedValue{{ID: "1", Value: "Red"}, {ID: "2", Value: "Blue"}}}
	multi := FieldMeta{Name: "Parts", Schema: FieldSchema{Type: "array", Items: "component"}, AllowedValues: []AllowedValue{{ID: "7", Name: "API"}}}
	cases := []struct {
		d    Deployment
		m    FieldMeta
		in   any
		want string
		err  string
	}{
		{Cloud, opt, "blue", `{"value":"Blue"}`, ""},
		{Cloud, opt, "green", "", `does not accept "green"; allowed: "Red", "Blue"`},
		{Cloud, multi, []string{"api"}, `[{"id":"7"}]`, ""},
		{Cloud, FieldMeta{Name: "Owner", Schema: FieldSchema{Type: "user"}}, "5b10", `{"accountId":"5b10"}`, ""},
		{DataCenter, FieldMeta{Name: "Owner", Schema: FieldSchema{Type: "user"}}, "jsmith", `{"name":"jsmith"}`, ""},
		{Cloud, FieldMeta{Name: "Points", Schema: FieldSchema{Type: "number"}}, "3.5", `3.5`, ""},
		{Cloud, FieldMeta{Name: "Points", Schema: FieldSchema{Type: "number"}}, "lots", "", "takes a number"},
		{Cloud, FieldMeta{Name: "Due", Schema: FieldSchema{Type: "date"}}, "2026-13-01", "", "takes a date"},
		{Cloud, FieldMeta{Name: "Labels", Schema: FieldSchema{Type: "array", Items: "string"}}, "a, b", `["a","b"]`, ""},
		{Cloud, FieldMeta{Name: "P", Schema: FieldSchema{Type: "priority"}}, "High", `{"name":"High"}`, ""},
		{Cloud, opt, map[string]any{"value": "Red", "child": map[string]any{"value": "x"}}, `{"child":{"value":"x"},"value":"Red"}`, ""},
	}
	for i, c := range cases {
		got, err := shapeValue(c.d, c.m, c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%d: error %v, want %q", i, err, c.err)
			}
			continue
		}
		b, _ := json.Marshal(got)
		if err != nil || string(b) != c.want {
			t.Errorf("%d: got %s %v, want %s", i, b, err, c.want)
		}
	}
}

func TestPermissionErrorMatchesForbidden(t *testing.T) {
	base := errors.New("403")
	pe := &PermissionError{Action: "add_comment", Permission: "ADD_COMMENTS", Scope: PermissionScope{IssueKey: "DEMO-1"}, Checked: true, Err: base}
	if !errors.Is(pe, base) || !strings.Contains(pe.Error(), "does NOT have it") || !strings.Contains(pe.Error(), "issue DEMO-1") {
		t.Errorf("%v", pe)
	}
}
