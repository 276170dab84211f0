package jiratest

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
)

func TestRemoteLinks(t *testing.T) {
	for _, mode := range []Mode{Cloud, DataCenter} {
		t.Run(mode.String(), func(t *testing.T) {
			s, d, c, _ := setup(t, mode)
			const gid = "system=http://www.mycompany.com/support&id=1"
			link := map[string]any{
				"globalId":     gid,
				"application":  map[string]any{"type": "com.acme.tracker", "name": "My Acme Tracker"},
				"relationship": "causes",
				"object": map[string]any{
					"url": "http://www.mycompany.com/support?id=1", "title": "TSTSUP-111", "summary": "Crazy customer support issue",
					"icon":   map[string]any{"url16x16": "http://www.mycompany.com/support/ticket.png", "title": "Support Ticket"},
					"status": map[string]any{"resolved": true, "icon": map[string]any{"title": "Case Closed"}},
				},
			}
			created := c.must(201, c.do("POST", "/rest/api/2/issue/DEMO-1/remotelink", link)).json(t)
			id, _ := created["id"].(float64)
			if id == 0 || !strings.HasSuffix(created["self"].(string), "/rest/api/2/issue/DEMO-1/remotelink/"+ftoa(id)) {
				t.Fatalf("create = %v", created)
			}
			// A second create with the same globalId updates the link.
			link["relationship"] = "is caused by"
			again := c.must(200, c.do("POST", "/rest/api/2/issue/DEMO-1/remotelink", link)).json(t)
			if again["id"] != created["id"] {
				t.Errorf("update by globalId made link %v, want %v", again["id"], created["id"])
			}
			// One without a globalId is always new.
			plain := c.must(201, c.do("POST", "/rest/api/2/issue/DEMO-1/remotelink", map[string]any{"object": map[string]any{"url": "https://example.com/doc", "title": "Doc"}})).json(t)

			list := c.must(200, c.get("/rest/api/2/issue/DEMO-1/remotelink")).list(t)
			if len(list) != 2 {
				t.Fatalf("list = %v", list)
			}
			first := list[0].(map[string]any)
			if first["globalId"] != gid || first["relationship"] != "is caused by" || dig(first, "object", "status", "resolved") != true ||
				dig(first, "application", "name") != "My Acme Tracker" || dig(first, "object", "icon", "url16x16") == nil {
				t.Errorf("first link = %v", first)
			}
			if second := list[1].(map[string]any); second["globalId"] != nil || dig(second, "object", "title") != "Doc" {
				t.Errorf("second link = %v", second)
			}
			one := c.must(200, c.get("/rest/api/2/issue/DEMO-1/remotelink?globalId="+url.QueryEscape(gid))).json(t)
			if one["id"] != created["id"] {
				t.Errorf("by globalId = %v", one)
			}
			c.must(404, c.get("/rest/api/2/issue/DEMO-1/remotelink?globalId=nope"))
			path := "/rest/api/2/issue/DEMO-1/remotelink/" + ftoa(id)
			if got := c.must(200, c.get(path)).json(t); got["globalId"] != gid {
				t.Errorf("by id = %v", got)
			}
			c.must(404, c.get("/rest/api/2/issue/DEMO-2/remotelink/"+ftoa(id))) // another issue's link
			c.must(400, c.get("/rest/api/2/issue/DEMO-1/remotelink/abc"))

			// PUT replaces every field: what it leaves out is gone.
			c.must(204, c.do("PUT", path, map[string]any{"globalId": gid, "object": map[string]any{"url": "https://example.com/new", "title": "New"}}))
			if got := c.must(200, c.get(path)).json(t); got["relationship"] != nil || dig(got, "object", "summary") != nil || dig(got, "object", "title") != "New" {
				t.Errorf("after PUT = %v", got)
			}
			if r := c.do("PUT", path, map[string]any{"globalId": gid, "object": map[string]any{"url": "https://example.com/new"}}); r.status != 400 || !strings.Contains(string(r.body), "'title' is required") {
				t.Errorf("PUT without a title: %d %s", r.status, r.body)
			}

			// Validation names the missing parts.
			for _, tc := range []struct {
				body any
				want string
			}{
				{map[string]any{"globalId": "x"}, "'object' is required"},
				{map[string]any{"object": map[string]any{"title": "t"}}, "'url' is required"},
				{map[string]any{"object": map[string]any{"url": "u"}}, "'title' is required"},
				{map[string]any{"globalId": strings.Repeat("g", 256), "object": map[string]any{"url": "u", "title": "t"}}, "at most 255"},
			} {
				if r := c.do("POST", "/rest/api/2/issue/DEMO-1/remotelink", tc.body); r.status != 400 || !strings.Contains(string(r.body), tc.want) {
					t.Errorf("POST %v: %d %s, want 400 with %q", tc.body, r.status, r.body, tc.want)
				}
			}
			c.must(404, c.do("POST", "/rest/api/2/issue/NOPE-1/remotelink", link))

			// Linking needs LINK_ISSUES; reading needs only BROWSE.
			s.RevokePermission("DEMO", d.Bob.AccountID, "LINK_ISSUES")
			bob := newClient(t, s.URL(), basic(d.Bob.Email, d.Bob.APIToken))
			if mode == DataCenter {
				bob = newClient(t, s.URL(), basic(d.Bob.Name, d.Bob.Password))
			}
			if r := bob.do("POST", "/rest/api/2/issue/DEMO-1/remotelink", link); r.status != 403 || !strings.Contains(string(r.body), "link issues") {
				t.Errorf("POST without LINK_ISSUES: %d %s", r.status, r.body)
			}
			bob.must(403, bob.do("DELETE", path, nil))
			bob.must(200, bob.get("/rest/api/2/issue/DEMO-1/remotelink"))

			if got := s.RemoteLinks("DEMO-1"); len(got) != 2 || got[0].GlobalID != gid || got[0].Title != "New" || got[1].URL != "https://example.com/doc" {
				t.Errorf("RemoteLinks = %+v", got)
			}
			c.must(400, c.do("DELETE", "/rest/api/2/issue/DEMO-1/remotelink", nil))
			c.must(204, c.do("DELETE", "/rest/api/2/issue/DEMO-1/remotelink?globalId="+url.QueryEscape(gid), nil))
			c.must(404, c.do("DELETE", path, nil))
			c.must(204, c.do("DELETE", "/rest/api/2/issue/DEMO-1/remotelink/"+ftoa(plain["id"].(float64)), nil))
			if got := c.must(200, c.get("/rest/api/2/issue/DEMO-1/remotelink")).list(t); len(got) != 0 {
				t.Errorf("after deletes: %v", got)
			}
		})
	}
}

func ftoa(f float64) string { return strconv.FormatInt(int64(f), 10) }
