package jira

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
)

// Data Center before 8.4 has only the old createmeta: the new endpoints
// answer 404 and the client falls back.
func TestCreateMetaFallsBackToOldEndpoint(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/rest/api/2/issue/createmeta" {
			w.WriteHeader(404)
			fmt.Fprint(w, `{"errorMessages":["Issue Does Not Exist"],"errors":{}}`)
			return
		}
		if r.URL.Query().Get("projectKeys") != "OLD" || r.URL.Query().Get("expand") != "projects.issuetypes.fields" {
			t.Errorf("query %s", r.URL.RawQuery)
		}
		fmt.Fprint(w, `{"projects":[{"key":"OLD","issuetypes":[{"id":"3","name":"Task","subtask":false,"fields":{
			"summary":{"required":true,"name":"Summary","schema":{"type":"string","system":"summary"}},
			"priority":{"required":false,"name":"Priority","schema":{"type":"priority"},"allowedValues":[{"id":"2","name":"High"}]}}}]}]}`)
	}))
	defer srv.Close()
	meta, err := newTestClient(t, srv.URL, DataCenter).Issues.CreateMetaFor(context.Background(), "OLD", "task")
	if err != nil {
		t.Fatal(err)
	}
	p, ok := meta.Field("priority")
	if meta.IssueType.ID != "3" || len(meta.Fields) != 2 || !ok || p.AllowedValues[0].Name != "High" {
		t.Errorf("meta %+v", meta)
	}
}
