package jira

import (
	"encoding/json"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// parseErrorBody understands {"errorMessages":[],"errors":{}},
// {"message":..., "status-code":...}, {"error":..., "error_description":...},
// {"code":..., "message":...}, and plain text or HTML.
func parseErrorBody(body []byte, contentType string) ([]string, map[string]string) {
	trimmed := strings.TrimSpace(string(body))
	if trimmed == "" {
		return nil, nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(trimmed), &raw); err != nil {
		if msg := textMessage(trimmed, contentType); msg != "" {
			return []string{msg}, nil
		}
		return nil, nil
	}
	var msgs []string
	add := func(s string) {
		s = strings.TrimSpace(s)
		if s != "" && !slices.Contains(msgs, s) {
			msgs = append(msgs, s)
		}
	}
	var list []string
	if json.Unmarshal(raw["errorMessages"], &list) == nil {
		for _, m := range list {
			add(m)
		}
	}
	for _, k := range []string{"message", "errorMessage"} {
		if s := jsonString(raw[k]); s != "" {
			add(s)
		}
	}
	if s := jsonString(raw["error"]); s != "" {
		if d := jsonString(raw["error_description"]); d != "" {
			s += ": " + d
		}
		add(s)
	}
	var fields map[string]json.RawMessage
	var fe map[string]string
	if json.Unmarshal(raw["errors"], &fields) == nil && len(fields) > 0 {
		fe = make(map[string]string, len(fields))
		for k, v := range fields {
			if s := jsonString(v); s != "" {
				fe[k] = s
			} else {
				fe[k] = strings.TrimSpace(string(v))
			}
		}
	}
	return msgs, fe
}

// jsonString returns a JSON string's value, or a number's text.
func jsonString(v json.RawMessage) string {
	if len(v) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(v, &n) == nil {
		return n.String()
	}
	return ""
}

var (
	titleRE = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)
	spaceRE = regexp.MustCompile(`\s+`)
)

func textMessage(body, contentType string) string {
	if strings.Contains(contentType, "html") || strings.HasPrefix(body, "<") {
		if m := titleRE.FindStringSubmatch(body); m != nil {
			return shorten(spaceRE.ReplaceAllString(m[1], " "), 200)
		}
		return ""
	}
	return shorten(spaceRE.ReplaceAllString(body, " "), 200)
}

func shorten(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

var (
	// Jira's permission keys: BROWSE_PROJECTS, ADMINISTER_PROJECTS...
	permKeyRE = regexp.MustCompile(`\b(ADMINISTER|SYSTEM_ADMIN|[A-Z]{2,}(?:_[A-Z]{2,})+)\b`)
	// A quoted permission name: 'Browse projects' permission.
	permNameRE = regexp.MustCompile(`['"‘“]([A-Za-z][A-Za-z ]{2,40}?)['"’”]\s+(?:global\s+|project\s+)?permission`)
	// Atlassian's gateway on a missing OAuth scope.
	scopeRE = regexp.MustCompile(`(?i)scope does not match|insufficient[_ ]scope`)
)

func findPermission(msgs []string, fields map[string]string) string {
	texts := slices.Clone(msgs)
	for _, v := range fields {
		texts = append(texts, v)
	}
	sort.Strings(texts)
	for _, t := range texts {
		if m := permKeyRE.FindString(t); m != "" {
			return m
		}
		if m := permNameRE.FindStringSubmatch(t); m != nil {
			return m[1]
		}
		if strings.Contains(t, "Administer Jira") {
			return "Administer Jira"
		}
	}
	for _, t := range texts {
		if scopeRE.MatchString(t) {
			return "an OAuth scope the app was not granted"
		}
	}
	return ""
}
