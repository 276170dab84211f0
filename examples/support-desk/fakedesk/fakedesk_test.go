package fakedesk

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"
)

func call(t *testing.T, d *Desk, method, path, key, idem string, body any) (int, map[string]any) {
	t.Helper()
	data, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, d.URL()+path, bytes.NewReader(data))
	req.Header.Set("Authorization", "Bearer "+key)
	if idem != "" {
		req.Header.Set("Idempotency-Key", idem)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func TestAPI(t *testing.T) {
	d, err := Start("key")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	tk, err := d.File(NewTicket{Subject: "No PDF", Priority: "urgent"})
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := call(t, d, "GET", "/api/tickets/"+tk.ID, "wrong", "", nil); st != http.StatusUnauthorized {
		t.Errorf("a wrong API key: %d", st)
	}
	if st, got := call(t, d, "GET", "/api/tickets/"+tk.ID, "key", "", nil); st != http.StatusOK || got["subject"] != "No PDF" {
		t.Errorf("get: %d %v", st, got)
	}
	// One comment per Idempotency-Key, however often it is sent.
	for range 2 {
		if st, _ := call(t, d, "POST", "/api/tickets/"+tk.ID+"/comments", "key", "k1", map[string]any{"body": "hi", "public": true}); st/100 != 2 {
			t.Fatalf("comment: %d", st)
		}
	}
	if got, _ := d.Ticket(tk.ID); len(got.Comments) != 1 {
		t.Errorf("%d comments after a repeated request, want 1", len(got.Comments))
	}
	if st, _ := call(t, d, "PATCH", "/api/tickets/"+tk.ID, "key", "", map[string]any{"status": "gone"}); st != http.StatusUnprocessableEntity {
		t.Errorf("a bad status: %d", st)
	}
	if st, _ := call(t, d, "PATCH", "/api/tickets/"+tk.ID, "key", "", map[string]any{"status": "closed", "external_id": "DEMO-1"}); st != http.StatusOK {
		t.Errorf("patch: %d", st)
	}
	if got, _ := d.Ticket(tk.ID); got.Status != StatusClosed || got.ExternalID != "DEMO-1" {
		t.Errorf("after the patch: %+v", got)
	}
	if st, _ := call(t, d, "GET", "/api/tickets/999", "key", "", nil); st != http.StatusNotFound {
		t.Errorf("an unknown ticket: %d", st)
	}
}
