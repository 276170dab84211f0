package jira

import (
	"errors"
	"testing"
)

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
		if _, err := e.jc.CustomRequest().Run(ctx, CustomRequestInput{Method: "GET", Path: "/rest/api/2/issue/DEMO-999"}); !errors.Is(err, ErrNotFound) {
			t.Errorf("404: %v", err)
		}
		for _, bad := range []string{"https://evil.example.com/rest/api/2/myself", "//evil.example.com/rest/", "/admin", "/rest/../secure"} {
			if _, err := e.jc.CustomRequest().Run(ctx, CustomRequestInput{Method: "GET", Path: bad}); err == nil {
				t.Errorf("path %q accepted", bad)
			}
		}
	})
}
