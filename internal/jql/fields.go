package jql

import "strings"

// fieldKind groups fields that share operators and evaluation rules.
type fieldKind int

const (
	kindCustom   fieldKind = iota // custom fields: every operator, the record decides
	kindName                      // project, status, issuetype, resolution
	kindUser                      // assignee, reporter, creator
	kindLabels                    // labels
	kindPriority                  // priority: ordered by rank
	kindDate                      // created, updated, resolutiondate, duedate
	kindText                      // summary, description, comment, text
	kindKey                       // key / issuekey / id
)

type fieldInfo struct {
	canonical string
	kind      fieldKind
}

// builtinFields maps the lower-case names (and aliases) users write to the
// canonical names Record is asked about.
var builtinFields = map[string]fieldInfo{
	"project":        {"project", kindName},
	"key":            {"key", kindKey},
	"issuekey":       {"key", kindKey},
	"issue":          {"key", kindKey},
	"id":             {"key", kindKey},
	"status":         {"status", kindName},
	"issuetype":      {"issuetype", kindName},
	"type":           {"issuetype", kindName},
	"resolution":     {"resolution", kindName},
	"assignee":       {"assignee", kindUser},
	"reporter":       {"reporter", kindUser},
	"creator":        {"creator", kindUser},
	"labels":         {"labels", kindLabels},
	"priority":       {"priority", kindPriority},
	"created":        {"created", kindDate},
	"createddate":    {"created", kindDate},
	"updated":        {"updated", kindDate},
	"updateddate":    {"updated", kindDate},
	"resolutiondate": {"resolutiondate", kindDate},
	"resolved":       {"resolutiondate", kindDate},
	"duedate":        {"duedate", kindDate},
	"due":            {"duedate", kindDate},
	"summary":        {"summary", kindText},
	"description":    {"description", kindText},
	"comment":        {"comment", kindText},
	"text":           {"text", kindText},
}

// lookupField returns the canonical name and kind of a field as written.
// Quoted names that are not built-in are kept as written (custom fields by
// name); cf[N] and customfield_N become customfield_N.
func lookupField(name string, quoted bool) fieldInfo {
	lower := strings.ToLower(name)
	if info, ok := builtinFields[lower]; ok {
		return info
	}
	if strings.HasPrefix(lower, "cf[") && strings.HasSuffix(lower, "]") && isDigits(lower[3:len(lower)-1]) {
		return fieldInfo{"customfield_" + lower[3:len(lower)-1], kindCustom}
	}
	if strings.HasPrefix(lower, "customfield_") && isDigits(lower[len("customfield_"):]) {
		return fieldInfo{lower, kindCustom}
	}
	if quoted {
		return fieldInfo{name, kindCustom}
	}
	return fieldInfo{lower, kindCustom}
}

// isBuiltin reports whether a canonical field name is one the package knows.
func isBuiltin(canonical string) bool {
	info, ok := builtinFields[canonical]
	return ok && info.canonical == canonical
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// operatorAllowed reports whether Jira accepts op on fields of this kind.
func operatorAllowed(kind fieldKind, canonical string, op Operator) bool {
	switch kind {
	case kindCustom:
		return true
	case kindText:
		if canonical == "text" {
			return op == OpContains || op == OpNotContains
		}
		return op == OpContains || op == OpNotContains || op == OpIs || op == OpIsNot
	case kindKey:
		switch op {
		case OpEquals, OpNotEquals, OpIn, OpNotIn, OpLess, OpLessEq, OpGreater, OpGreaterEq:
			return true
		}
		return false
	case kindPriority, kindDate:
		return op != OpContains && op != OpNotContains
	default: // names, users, labels
		switch op {
		case OpEquals, OpNotEquals, OpIn, OpNotIn, OpIs, OpIsNot:
			return true
		}
		return false
	}
}
