package jira

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

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
