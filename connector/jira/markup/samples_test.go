package markup

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/recipekit/recipekit/internal/testshared"
)

// TestSamples reads the rich text of real Jira payloads: every ADF
// document converts to Markdown holding all of its text, and every
// wiki-markup comment or description survives wiki -> Markdown -> wiki
// with its text intact.
func TestSamples(t *testing.T) {
	dir := testshared.Path(t, "jira", "samples")
	var adfDocs, wikiTexts int
	for name, v := range testshared.JSONFiles(t, dir) {
		walkRichText(v, "", func(field string, val any) {
			switch val := val.(type) {
			case map[string]any:
				if val["type"] != "doc" {
					return
				}
				adfDocs++
				doc, _ := json.Marshal(val)
				md, err := ADFToMarkdown(doc)
				if err != nil {
					t.Errorf("%s %s: %v", name, field, err)
					return
				}
				var want strings.Builder
				adfAllText(val, &want)
				if !strings.Contains(strings.Join(strings.Fields(md), " "), strings.Join(strings.Fields(want.String()), " ")) {
					t.Errorf("%s %s: ADF text %q lost in Markdown %q", name, field, want.String(), md)
				}
			case string:
				if val == "" {
					return
				}
				wikiTexts++
				back := MarkdownToWiki(WikiToMarkdown(val))
				if WikiToText(back) != WikiToText(val) {
					t.Errorf("%s %s: wiki -> Markdown -> wiki changed the text\n was %q\n now %q", name, field, val, back)
				}
			}
		})
	}
	if adfDocs == 0 || wikiTexts == 0 {
		t.Fatalf("the samples under %s held %d ADF documents and %d wiki texts; expected some of each", dir, adfDocs, wikiTexts)
	}
	t.Logf("%d ADF documents and %d wiki texts read", adfDocs, wikiTexts)
}

// walkRichText calls fn with every description, comment body, worklog
// comment and environment in a decoded payload.
func walkRichText(v any, field string, fn func(field string, val any)) {
	switch v := v.(type) {
	case map[string]any:
		for k, c := range v {
			if k == "description" || k == "body" || k == "environment" || (k == "comment" && field == "worklog") {
				fn(k, c)
			}
			walkRichText(c, k, fn)
		}
	case []any:
		for _, c := range v {
			walkRichText(c, field, fn)
		}
	}
}

func adfAllText(v any, sb *strings.Builder) {
	switch v := v.(type) {
	case map[string]any:
		if s, ok := v["text"].(string); ok && v["type"] == "text" {
			sb.WriteString(s + " ")
		}
		adfAllText(v["content"], sb)
	case []any:
		for _, c := range v {
			adfAllText(c, sb)
		}
	}
}
