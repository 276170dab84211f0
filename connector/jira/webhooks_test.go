package jira

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

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
		if _, _, err := e.client(t, e.demo.Bob).Webhooks.ListAdmin(ctx); !errors.Is(err, ErrForbidden) {
			t.Errorf("a non-admin lists webhooks: %v", err)
		}
	})
}
