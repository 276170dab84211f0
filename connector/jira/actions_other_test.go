package jira

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/recipekit/recipekit/action"
	"github.com/recipekit/recipekit/connector/httpx"
	"github.com/recipekit/recipekit/connector/jira/jiratest"
)

func TestCommentActions(t *testing.T) {
	bothModes(t, func(t *testing.T, e *env) {
		key := e.demo.Issues[0].Key
		c, err := e.jc.AddComment().Run(ctx, AddCommentInput{IssueKey: key, Body: "Thanks! *queued*"})
		if err != nil {
			t.Fatal(err)
		}
		if c.ID == "" || c.Body != "Thanks! *queued*" || c.Author.DisplayName != "Integration Bot" {
			t.Errorf("comment %+v", c)
		}
		_, err = e.jc.AddComment().Run(ctx, AddCommentInput{IssueKey: key, Body: "staff only", Visibility: Visibility{Type: "role", Value: "Administrators"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.jc.AddComment().Run(ctx, AddCommentInput{IssueKey: key, Body: "x", Visibility: Visibility{Type: "team"}}); err == nil {
			t.Error("bad visibility type accepted")
		}
		up, err := e.jc.UpdateComment().Run(ctx, UpdateCommentInput{IssueKey: key, CommentID: c.ID, Body: "edited"})
		if err != nil || up.Body != "edited" {
			t.Errorf("update %+v %v", up, err)
		}
		list, err := e.jc.ListComments().Run(ctx, ListCommentsInput{IssueKey: key, NewestFirst: true})
		if err != nil || len(list) != 2 || list[0].Body != "staff only" || list[0].Visibility == nil {
			t.Errorf("list %+v %v", list, err)
		}
		del, err := e.jc.DeleteComment().Run(ctx, CommentRefInput{IssueKey: key, CommentID: c.ID})
		if err != nil || !del.Deleted || len(e.srv.Comments(key)) != 1 {
			t.Errorf("delete %+v %v, %d left", del, err, len(e.srv.Comments(key)))
		}
	})
}

func TestAttachmentActions(t *testing.T) {
	bothModes(t, func(t *testing.T, e *env) {
		key := e.demo.Issues[1].Key
		up, err := e.jc.UploadAttachment().Run(ctx, UploadAttachmentInput{IssueKey: key, Filename: "log.txt", Content: "line 1\nline 2\n"})
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "report.csv")
		os.WriteFile(path, []byte("a,b\n1,2\n"), 0o600)
		up2, err := e.jc.UploadAttachment().Run(ctx, UploadAttachmentInput{IssueKey: key, Path: path})
		if err != nil || len(up) != 1 || len(up2) != 1 || up2[0].Filename != "report.csv" || up[0].Size != 14 {
			t.Fatalf("uploads %+v %+v %v", up, up2, err)
		}
		if _, err := e.jc.UploadAttachment().Run(ctx, UploadAttachmentInput{IssueKey: key, Filename: "x"}); err == nil {
			t.Error("an upload without content passed validation")
		}
		list, err := e.jc.ListAttachments().Run(ctx, IssueKeyInput{IssueKey: key})
		if err != nil || len(list) != 2 {
			t.Errorf("list %+v %v", list, err)
		}
		dl, err := e.jc.DownloadAttachment().Run(ctx, DownloadAttachmentInput{AttachmentID: up[0].ID})
		if err != nil || string(dl.Content) != "line 1\nline 2\n" || dl.Attachment.Filename != "log.txt" {
			t.Errorf("download %q %+v %v", dl.Content, dl.Attachment, err)
		}
		out := filepath.Join(t.TempDir(), "copy.csv")
		dl, err = e.jc.DownloadAttachment().Run(ctx, DownloadAttachmentInput{AttachmentID: up2[0].ID, Path: out})
		if b, _ := os.ReadFile(out); err != nil || string(b) != "a,b\n1,2\n" || dl.Bytes != 8 {
			t.Errorf("download to file: %q %v", b, err)
		}
		var buf bytes.Buffer
		if _, err := e.jc.DownloadAttachment().Run(ctx, DownloadAttachmentInput{AttachmentID: up[0].ID, MaxBytes: 4, Writer: nil}); err == nil || !strings.Contains(err.Error(), "larger than 4 bytes") {
			t.Errorf("size cap: %v", err)
		}
		_ = buf
		del, err := e.jc.DeleteAttachment().Run(ctx, AttachmentRefInput{AttachmentID: up[0].ID})
		if err != nil || !del.Deleted {
			t.Errorf("delete %v", err)
		}
		if list, _ := e.jc.ListAttachments().Run(ctx, IssueKeyInput{IssueKey: key}); len(list) != 1 {
			t.Errorf("%d attachments left", len(list))
		}
	})
}

func TestProjectActions(t *testing.T) {
	bothModes(t, func(t *testing.T, e *env) {
		p, err := e.jc.CreateProject().Run(ctx, CreateProjectInput{Key: "OPS", Name: "Operations", Description: "on call"})
		if err != nil {
			t.Fatal(err)
		}
		if p.Key != "OPS" || p.Lead == nil || p.Lead.DisplayName != "Integration Bot" {
			t.Errorf("created %+v", p)
		}
		if _, err := e.jc.CreateProject().Run(ctx, CreateProjectInput{Key: "ops", Name: "x"}); err == nil || !strings.Contains(err.Error(), "not a project key") {
			t.Errorf("bad key: %v", err)
		}
		got, err := e.jc.GetProject().Run(ctx, ProjectKeyInput{ProjectKey: "DEMO"})
		if err != nil || got.Name != "Demo" || len(got.IssueTypes) == 0 {
			t.Errorf("get %+v %v", got, err)
		}
		all, err := e.jc.ListProjects().Run(ctx, ListProjectsInput{})
		if err != nil || len(all) != 2 {
			t.Errorf("list %d %v", len(all), err)
		}
		some, err := e.jc.ListProjects().Run(ctx, ListProjectsInput{Query: "oper"})
		if err != nil || len(some) != 1 || some[0].Key != "OPS" {
			t.Errorf("query %+v %v", some, err)
		}
		up, err := e.jc.UpdateProject().Run(ctx, UpdateProjectInput{ProjectKey: "OPS", Name: "Operations team", Lead: e.id(e.demo.Alice)})
		if err != nil || up.Name != "Operations team" {
			t.Errorf("update %+v %v", up, err)
		}
		// A non-administrator is refused: the error names the permission.
		_, err = e.client(t, e.demo.Bob).CreateProject().Run(ctx, CreateProjectInput{Key: "BOB", Name: "Bob's"})
		var pe *PermissionError
		if !errors.As(err, &pe) || pe.Permission != "ADMINISTER" || !pe.Checked || pe.HasPermission {
			t.Errorf("non-admin create: %v", err)
		}
	})
}

func TestUserActions(t *testing.T) {
	bothModes(t, func(t *testing.T, e *env) {
		me, err := e.jc.Myself().Run(ctx, NoInput{})
		if err != nil || me.DisplayName != "Integration Bot" || me.IDFor(map[jiratest.Mode]Deployment{jiratest.Cloud: Cloud, jiratest.DataCenter: DataCenter}[e.mode]) != e.id(e.demo.Admin) {
			t.Errorf("myself %+v %v", me, err)
		}
		if (e.mode == jiratest.Cloud) != (me.AccountID != "") || (e.mode == jiratest.DataCenter) != (me.Name != "") {
			t.Errorf("identifiers do not follow the deployment: %+v", me)
		}
		users, err := e.jc.FindUsers().Run(ctx, FindUsersInput{Query: "ali"})
		if err != nil || len(users) != 1 || users[0].ID() != e.id(e.demo.Alice) {
			t.Errorf("find %+v %v", users, err)
		}
		as, err := e.jc.AssignableUsers().Run(ctx, AssignableUsersInput{Project: "DEMO"})
		if err != nil || len(as) < 3 {
			t.Errorf("assignable %d %v", len(as), err)
		}
		as, err = e.jc.AssignableUsers().Run(ctx, AssignableUsersInput{IssueKey: e.demo.Issues[0].Key, Query: "bob"})
		if err != nil || len(as) != 1 || as[0].DisplayName != "Bob Baker" {
			t.Errorf("assignable on issue %+v %v", as, err)
		}
	})
}

func TestLinkActions(t *testing.T) {
	bothModes(t, func(t *testing.T, e *env) {
		types, err := e.jc.ListLinkTypes().Run(ctx, NoInput{})
		if err != nil || len(types) == 0 {
			t.Fatalf("types %v %v", types, err)
		}
		a, b := e.demo.Issues[1].Key, e.demo.Issues[2].Key
		l, err := e.jc.LinkIssues().Run(ctx, LinkIssuesInput{Type: "blocks", OutwardIssue: a, InwardIssue: b, Comment: "see"})
		if err != nil || l.ID == "" || l.InwardIssue == nil || l.InwardIssue.Key != b {
			t.Fatalf("link %+v %v", l, err)
		}
		if _, err := e.jc.LinkIssues().Run(ctx, LinkIssuesInput{Type: "haunts", OutwardIssue: a, InwardIssue: b}); err == nil || !strings.Contains(err.Error(), "available: ") {
			t.Errorf("unknown type: %v", err)
		}
		del, err := e.jc.DeleteLink().Run(ctx, LinkRefInput{LinkID: l.ID})
		if err != nil || !del.Deleted {
			t.Errorf("delete %v", err)
		}
	})
}

func TestWatcherActions(t *testing.T) {
	bothModes(t, func(t *testing.T, e *env) {
		key := e.demo.Issues[2].Key
		w, err := e.jc.AddWatcher().Run(ctx, WatcherInput{IssueKey: key, User: e.id(e.demo.Alice)})
		if err != nil || !hasUser(w.Watchers, e.id(e.demo.Alice)) {
			t.Fatalf("add %+v %v", w, err)
		}
		w, err = e.jc.AddWatcher().Run(ctx, WatcherInput{IssueKey: key})
		if err != nil || !w.IsWatching {
			t.Errorf("add self %+v %v", w, err)
		}
		w, err = e.jc.RemoveWatcher().Run(ctx, WatcherInput{IssueKey: key, User: e.id(e.demo.Alice)})
		if err != nil || hasUser(w.Watchers, e.id(e.demo.Alice)) {
			t.Errorf("remove %+v %v", w, err)
		}
		w, err = e.jc.ListWatchers().Run(ctx, IssueKeyInput{IssueKey: key})
		if err != nil || w.WatchCount != len(w.Watchers) || !w.IsWatching {
			t.Errorf("list %+v %v", w, err)
		}
	})
}

func hasUser(us []User, id string) bool {
	return slices.ContainsFunc(us, func(u User) bool { return u.ID() == id })
}

func TestWorklogActions(t *testing.T) {
	bothModes(t, func(t *testing.T, e *env) {
		key := e.demo.Issues[1].Key
		w, err := e.jc.AddWorklog().Run(ctx, AddWorklogInput{IssueKey: key, TimeSpent: "1h 30m", Comment: "debugging", Started: "2026-03-11T09:00:00.000+0000"})
		if err != nil || w.TimeSpentSeconds != 5400 || w.Comment != "debugging" {
			t.Fatalf("add %+v %v", w, err)
		}
		if _, err := e.jc.AddWorklog().Run(ctx, AddWorklogInput{IssueKey: key}); err == nil {
			t.Error("a worklog without time passed validation")
		}
		list, err := e.jc.ListWorklogs().Run(ctx, IssueKeyInput{IssueKey: key})
		if err != nil || len(list) != 1 || list[0].ID != w.ID {
			t.Errorf("list %+v %v", list, err)
		}
	})
}

func TestVersionAndComponentActions(t *testing.T) {
	bothModes(t, func(t *testing.T, e *env) {
		v, err := e.jc.CreateVersion().Run(ctx, VersionInput{Project: "DEMO", Name: "2.0", ReleaseDate: "2030-06-01"})
		if err != nil || v.ID == "" || v.Name != "2.0" {
			t.Fatalf("create version %+v %v", v, err)
		}
		yes := true
		v, err = e.jc.UpdateVersion().Run(ctx, VersionInput{VersionID: v.ID, Released: &yes})
		if err != nil || !v.Released {
			t.Errorf("release %+v %v", v, err)
		}
		vs, err := e.jc.ListVersions().Run(ctx, ProjectInput{Project: "DEMO"})
		if err != nil || len(vs) != 3 {
			t.Errorf("versions %d %v", len(vs), err)
		}
		c, err := e.jc.CreateComponent().Run(ctx, ComponentInput{Project: "DEMO", Name: "Mobile", Lead: e.id(e.demo.Alice), AssigneeType: "COMPONENT_LEAD"})
		if err != nil || c.ID == "" || c.Name != "Mobile" {
			t.Fatalf("create component %+v %v", c, err)
		}
		// The lead is written in the field each deployment reads (the
		// simulator does not keep component leads, so check the request).
		wantLead := `"leadAccountId":"` + e.id(e.demo.Alice) + `"`
		if e.mode == jiratest.DataCenter {
			wantLead = `"leadUserName":"` + e.id(e.demo.Alice) + `"`
		}
		if !e.sent("POST", "/rest/api/2/component", wantLead) {
			t.Errorf("no component create carried %s", wantLead)
		}
		c, err = e.jc.UpdateComponent().Run(ctx, ComponentInput{ComponentID: c.ID, Description: "iOS and Android"})
		if err != nil || c.Description != "iOS and Android" {
			t.Errorf("update component %+v %v", c, err)
		}
		cs, err := e.jc.ListComponents().Run(ctx, ProjectInput{Project: "DEMO"})
		if err != nil || len(cs) != 3 {
			t.Errorf("components %d %v", len(cs), err)
		}
	})
}

func TestPermissionActionsAndForbiddenExplained(t *testing.T) {
	bothModes(t, func(t *testing.T, e *env) {
		perms, err := e.jc.MyPermissions().Run(ctx, MyPermissionsInput{ProjectKey: "DEMO", Permissions: []string{"CREATE_ISSUES", "ADD_COMMENTS"}})
		if err != nil || len(perms) != 2 || !perms[0].HavePermission {
			t.Errorf("mine %+v %v", perms, err)
		}
		key := e.demo.Issues[0].Key
		e.srv.SetPermission("DEMO", e.id(e.demo.Bob), "BROWSE_PROJECTS")
		bob := e.client(t, e.demo.Bob)
		_, err = bob.AddComment().Run(ctx, AddCommentInput{IssueKey: key, Body: "hi"})
		var pe *PermissionError
		if !errors.As(err, &pe) || !errors.Is(err, httpx.ErrForbidden) {
			t.Fatalf("err = %v", err)
		}
		if pe.Permission != "ADD_COMMENTS" || !pe.Checked || pe.HasPermission || pe.Scope.IssueKey != key || action.IsRetryable(err) {
			t.Errorf("permission error %+v", pe)
		}
		if !strings.Contains(err.Error(), "needs the ADD_COMMENTS permission in issue "+key) || !strings.Contains(err.Error(), "does NOT have it") {
			t.Errorf("message: %v", err)
		}
		rep, err := bob.ExplainForbidden().Run(ctx, ExplainForbiddenInput{Action: "add_comment", IssueKey: key})
		if err != nil || !slices.Equal(rep.Missing, []string{"ADD_COMMENTS"}) || !strings.Contains(rep.Explanation, "lacks ADD_COMMENTS") {
			t.Errorf("explain %+v %v", rep, err)
		}
		if _, err := bob.ExplainForbidden().Run(ctx, ExplainForbiddenInput{Action: "fly"}); err == nil {
			t.Error("unknown action accepted")
		}
	})
}

func TestCustomRequestAction(t *testing.T) {
	bothModes(t, func(t *testing.T, e *env) {
		res, err := e.jc.CustomRequest().Run(ctx, CustomRequestInput{Method: "get", Path: "/rest/api/2/issue/" + e.demo.Issues[0].Key, Query: map[string]string{"fields": "summary"}})
		if err != nil || res.Status != 200 {
			t.Fatalf("%+v %v", res, err)
		}
		fields, _ := res.Body.(map[string]any)["fields"].(map[string]any)
		if fields["summary"] != "Set up the integration" {
			t.Errorf("body %v", res.Body)
		}
		_, err = e.jc.CustomRequest().Run(ctx, CustomRequestInput{Method: "POST", Path: "/rest/api/2/issue/" + e.demo.Issues[0].Key + "/comment", Body: map[string]any{"body": "via custom"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.jc.CustomRequest().Run(ctx, CustomRequestInput{Method: "GET", Path: "/rest/api/2/issue/DEMO-999"}); !errors.Is(err, httpx.ErrNotFound) {
			t.Errorf("404: %v", err)
		}
		for _, bad := range []string{"https://evil.example.com/rest/api/2/myself", "//evil.example.com/rest/", "/admin", "/rest/../secure"} {
			if _, err := e.jc.CustomRequest().Run(ctx, CustomRequestInput{Method: "GET", Path: bad}); err == nil {
				t.Errorf("path %q accepted", bad)
			}
		}
	})
}

func TestCatalogue(t *testing.T) {
	e := setup(t, jiratest.Cloud)
	infos := e.jc.Actions()
	if len(infos) != 43 {
		t.Errorf("%d actions", len(infos))
	}
	seen := map[string]bool{}
	for _, in := range infos {
		if in.Connector != "jira" || in.Name == "" || in.Title == "" || in.Description == "" || seen[in.Name] {
			t.Errorf("bad info %+v", in)
		}
		seen[in.Name] = true
	}
}

// sent reports whether the client sent a request with method and path
// whose body contains part.
func (e *env) sent(method, path, part string) bool {
	e.rec.mu.Lock()
	defer e.rec.mu.Unlock()
	for _, r := range e.rec.reqs {
		if r.method == method && r.url.Path == path && strings.Contains(string(r.body), part) {
			return true
		}
	}
	return false
}

func TestAdminWebhookService(t *testing.T) {
	bothModes(t, func(t *testing.T, e *env) {
		w, _, err := e.jc.Webhooks.CreateAdmin(ctx, AdminWebhook{Name: "recipes", URL: "http://127.0.0.1:1/hook", Events: []string{"jira:issue_created"},
			Filters: map[string]string{"issue-related-events-section": "project = DEMO"}, Enabled: true, Secret: "hook-secret"})
		if err != nil || w.ID() == "" {
			t.Fatalf("create %+v %v", w, err)
		}
		if s := fmt.Sprintf("%v %+v", w, w); strings.Contains(s, "hook-secret") {
			t.Errorf("secret printed: %s", s)
		}
		list, _, err := e.jc.Webhooks.ListAdmin(ctx)
		if err != nil || len(list) != 1 || list[0].Filters["issue-related-events-section"] != "project = DEMO" {
			t.Errorf("list %+v %v", list, err)
		}
		if _, err := e.jc.Webhooks.DeleteAdmin(ctx, w.ID()); err != nil {
			t.Error(err)
		}
		if _, _, err := e.client(t, e.demo.Bob).Webhooks.ListAdmin(ctx); !errors.Is(err, httpx.ErrForbidden) {
			t.Errorf("a non-admin lists webhooks: %v", err)
		}
	})
}
