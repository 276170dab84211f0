package jira

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/recipekit/recipekit/action"
	"github.com/recipekit/recipekit/connector/jira/jiratest"
	"github.com/recipekit/recipekit/internal/testshared"
)

func TestRemoteLinksService(t *testing.T) {
	bothModes(t, func(t *testing.T, e *env) {
		key := e.demo.Issues[0].Key
		link := RemoteLink{
			GlobalID:     "system=https://support.example.com&id=42",
			Application:  RemoteLinkApplication{Type: "com.example.support", Name: "Support"},
			Relationship: "causes",
			Object: RemoteObject{URL: "https://support.example.com/tickets/42", Title: "TICKET-42", Summary: "Customer cannot log in",
				Icon: &RemoteIcon{URL16x16: "https://support.example.com/icon.png", Title: "Ticket"}, Status: &RemoteStatus{Resolved: true}},
		}
		ref, resp, err := e.jc.RemoteLinks.Create(ctx, key, link)
		if err != nil || resp.StatusCode != http.StatusCreated || ref.ID == 0 || !strings.HasSuffix(ref.Self, "/remotelink/"+itoa(ref.ID)) {
			t.Fatalf("create: %+v %v", ref, err)
		}
		got, _, err := e.jc.RemoteLinks.Get(ctx, key, ref.ID)
		want := link
		want.ID, want.Self = ref.ID, ref.Self
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("get:\n got  %+v\n want %+v (%v)", got, want, err)
		}
		byGlobal, _, err := e.jc.RemoteLinks.GetByGlobalID(ctx, key, link.GlobalID)
		if err != nil || byGlobal.ID != ref.ID {
			t.Errorf("by global id: %+v %v", byGlobal, err)
		}

		// The same global id updates the link in place.
		link.Object.Title = "TICKET-42 (escalated)"
		again, resp, err := e.jc.RemoteLinks.Create(ctx, key, link)
		if err != nil || resp.StatusCode != http.StatusOK || again.ID != ref.ID {
			t.Errorf("create again: %+v %d %v", again, resp.StatusCode, err)
		}
		plain, _, err := e.jc.RemoteLinks.Create(ctx, key, RemoteLink{Object: RemoteObject{URL: "https://docs.example.com/runbook", Title: "Runbook"}})
		if err != nil {
			t.Fatal(err)
		}
		list, _, err := e.jc.RemoteLinks.List(ctx, key)
		if err != nil || len(list) != 2 || list[0].Object.Title != "TICKET-42 (escalated)" || list[1].ID != plain.ID || list[1].GlobalID != "" {
			t.Fatalf("list: %+v %v", list, err)
		}

		if _, err := e.jc.RemoteLinks.Update(ctx, key, plain.ID, RemoteLink{Object: RemoteObject{URL: "https://docs.example.com/runbook-v2", Title: "Runbook v2"}}); err != nil {
			t.Fatal(err)
		}
		if l, _, _ := e.jc.RemoteLinks.Get(ctx, key, plain.ID); l.Object.URL != "https://docs.example.com/runbook-v2" {
			t.Errorf("after update: %+v", l)
		}
		if _, err := e.jc.RemoteLinks.Update(ctx, key, plain.ID, RemoteLink{Object: RemoteObject{URL: "https://x.example.com"}}); err == nil || !strings.Contains(err.Error(), "Object.Title") {
			t.Errorf("update without a title: %v", err)
		}
		if _, err := e.jc.RemoteLinks.Delete(ctx, key, plain.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.jc.RemoteLinks.DeleteByGlobalID(ctx, key, link.GlobalID); err != nil {
			t.Fatal(err)
		}
		if list, _, err := e.jc.RemoteLinks.List(ctx, key); err != nil || len(list) != 0 {
			t.Errorf("after deletes: %+v %v", list, err)
		}
		if _, _, err := e.jc.RemoteLinks.Get(ctx, key, plain.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("deleted link: %v", err)
		}
		if _, err := e.jc.RemoteLinks.DeleteByGlobalID(ctx, key, ""); err == nil {
			t.Error("delete by an empty global id accepted")
		}
	})
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestRemoteLinkActions(t *testing.T) {
	bothModes(t, func(t *testing.T, e *env) {
		key := e.demo.Issues[1].Key
		in := AddRemoteLinkInput{IssueKey: key, URL: "https://support.example.com/tickets/7", Title: "TICKET-7", ApplicationName: "Support", IconURL: "https://support.example.com/i.png"}
		res, err := e.jc.AddRemoteLink().Run(ctx, in)
		if err != nil || !res.Created || res.ID == 0 || res.GlobalID != in.URL {
			t.Fatalf("add: %+v %v", res, err)
		}
		// Repeating the action (a retried job step) keeps one link.
		in.Title, in.Resolved = "TICKET-7 (closed)", true
		again, err := e.jc.AddRemoteLink().Run(ctx, in)
		if err != nil || again.Created || again.ID != res.ID {
			t.Errorf("add again: %+v %v", again, err)
		}
		long := "https://docs.example.com/" + strings.Repeat("a", 300)
		lres, err := e.jc.AddRemoteLink().Run(ctx, AddRemoteLinkInput{IssueKey: key, URL: long, Title: "Long", Relationship: "documents"})
		if err != nil || !strings.HasPrefix(lres.GlobalID, "url-sha256:") || len(lres.GlobalID) != len("url-sha256:")+64 {
			t.Fatalf("long URL: %+v %v", lres, err)
		}
		links := e.srv.RemoteLinks(key)
		if len(links) != 2 || links[0].Title != "TICKET-7 (closed)" || links[0].Relationship != "links to" || links[0].Application != "Support" || links[1].URL != long || links[1].Relationship != "documents" {
			t.Errorf("stored links %+v", links)
		}

		all, err := e.jc.ListRemoteLinks().Run(ctx, ListRemoteLinksInput{IssueKey: key})
		if err != nil || len(all) != 2 || all[0].Object.Status == nil || !all[0].Object.Status.Resolved || all[0].Object.Icon.URL16x16 != in.IconURL {
			t.Errorf("list: %+v %v", all, err)
		}
		one, err := e.jc.ListRemoteLinks().Run(ctx, ListRemoteLinksInput{IssueKey: key, GlobalID: lres.GlobalID})
		if err != nil || len(one) != 1 || one[0].ID != lres.ID {
			t.Errorf("filtered: %+v %v", one, err)
		}
		none, err := e.jc.ListRemoteLinks().Run(ctx, ListRemoteLinksInput{IssueKey: key, GlobalID: "nope"})
		if err != nil || none == nil || len(none) != 0 {
			t.Errorf("filtered on an unknown id: %#v %v", none, err)
		}

		_, err = e.jc.AddRemoteLink().Run(ctx, AddRemoteLinkInput{IssueKey: "DEMO-999", URL: "https://x.example.com", Title: "x"})
		var nf *NotFoundError
		if !errors.As(err, &nf) || !nf.CanBrowse {
			t.Errorf("missing issue: %v", err)
		}
		e.srv.SetPermission("DEMO", e.id(e.demo.Bob), "BROWSE_PROJECTS")
		_, err = e.client(t, e.demo.Bob).AddRemoteLink().Run(ctx, AddRemoteLinkInput{IssueKey: key, URL: "https://x.example.com", Title: "x"})
		var pe *PermissionError
		if !errors.As(err, &pe) || pe.Permission != "LINK_ISSUES" || pe.HasPermission {
			t.Errorf("without LINK_ISSUES: %v", err)
		}
	})
}

func TestAddRemoteLinkValidation(t *testing.T) {
	jc := newTestClient(t, "http://127.0.0.1:1", Cloud)
	cases := []struct {
		in    AddRemoteLinkInput
		field string
	}{
		{AddRemoteLinkInput{URL: "https://x.example.com", Title: "t"}, "issueKey"},
		{AddRemoteLinkInput{IssueKey: "DEMO-1", Title: "t"}, "url"},
		{AddRemoteLinkInput{IssueKey: "DEMO-1", URL: "tickets/7", Title: "t"}, "url"},
		{AddRemoteLinkInput{IssueKey: "DEMO-1", URL: "https://x.example.com"}, "title"},
		{AddRemoteLinkInput{IssueKey: "DEMO-1", URL: "https://x.example.com", Title: "t", IconURL: "icon.png"}, "iconUrl"},
		{AddRemoteLinkInput{IssueKey: "DEMO-1", URL: "https://x.example.com", Title: "t", GlobalID: strings.Repeat("g", 256)}, "globalId"},
	}
	for _, c := range cases {
		_, err := jc.AddRemoteLink().Run(ctx, c.in)
		var ve *action.ValidationError
		if !errors.As(err, &ve) || !strings.Contains(err.Error(), c.field) {
			t.Errorf("%+v: %v, want a validation error on %s", c.in, err, c.field)
		}
	}
}

// A create with a global id is an upsert, so it is retried after a lost
// answer; without one it is sent once (a repeat would add a second link).
// A refusal (503 naming a wait) is retried either way.
func TestRemoteLinkCreateRetriesOnlyWithGlobalID(t *testing.T) {
	e := setup(t, jiratest.Cloud)
	key := e.demo.Issues[0].Key
	path := "/rest/api/2/issue/" + key + "/remotelink"
	e.srv.SetFaults(jiratest.Faults{Methods: []string{"POST"}, PathPrefix: path, LoseResponse: jiratest.FaultRate{Next: 1}})
	if _, _, err := e.jc.RemoteLinks.Create(ctx, key, RemoteLink{GlobalID: "g1", Object: RemoteObject{URL: "https://a.example.com", Title: "a"}}); err != nil {
		t.Fatalf("with a global id: %v", err)
	}
	e.srv.SetFaults(jiratest.Faults{Methods: []string{"POST"}, PathPrefix: path, LoseResponse: jiratest.FaultRate{Next: 1}})
	if _, _, err := e.jc.RemoteLinks.Create(ctx, key, RemoteLink{Object: RemoteObject{URL: "https://b.example.com", Title: "b"}}); !errors.Is(err, action.ErrOutcomeUnknown) {
		t.Errorf("without a global id: %v, want an unknown outcome", err)
	}
	e.srv.SetFaults(jiratest.Faults{Methods: []string{"POST"}, PathPrefix: path, Unavailable: jiratest.FaultRate{Next: 1}, RetryAfter: time.Millisecond})
	if _, _, err := e.jc.RemoteLinks.Create(ctx, key, RemoteLink{Object: RemoteObject{URL: "https://c.example.com", Title: "c"}}); err != nil {
		t.Errorf("refused once without a global id: %v", err)
	}
	links := e.srv.RemoteLinks(key)
	if len(links) != 3 || links[0].GlobalID != "g1" || links[2].Title != "c" {
		t.Errorf("links %+v; want g1 once, b (applied, answer lost) and c once", links)
	}
	e.checkSpec(t)
}

func TestRemoteLinkSampleDecodes(t *testing.T) {
	b, err := os.ReadFile(testshared.Path(t, "jira", "samples", "rest-andygrunwald-go-jira", "remote_links.json"))
	if err != nil {
		t.Fatal(err)
	}
	var links []RemoteLink
	if err := json.Unmarshal(b, &links); err != nil {
		t.Fatal(err)
	}
	if len(links) != 2 || links[0].ID != 10000 || links[0].Application.Name != "My Acme Tracker" || links[0].Relationship != "causes" ||
		links[0].Object.Status == nil || !links[0].Object.Status.Resolved || links[0].Object.Status.Icon.Link == "" || links[1].Object.Icon.URL16x16 == "" {
		t.Errorf("decoded %+v", links)
	}
}

// Create and Update document that a link's ID and Self are ignored: the
// body sent is the link without them.
func TestRemoteLinkRequestLeavesOutIDAndSelf(t *testing.T) {
	l := RemoteLink{ID: 7, Self: "https://jira.example.com/rest/api/2/issue/DEMO-1/remotelink/7", GlobalID: "g1",
		Relationship: "causes", Object: RemoteObject{URL: "https://a.example.com", Title: "a"}}
	b, err := requestJSON(requestOf(l))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"globalId":"g1","relationship":"causes","object":{"url":"https://a.example.com","title":"a"}}`
	if string(b) != want {
		t.Errorf("body %s, want %s", b, want)
	}
	if l.ID != 7 || l.Self == "" {
		t.Errorf("requestOf changed the caller's link: %+v", l)
	}
}
