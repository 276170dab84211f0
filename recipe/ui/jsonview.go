package ui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// jsonNode is one value of a JSON document laid out for reading: objects
// and arrays fold (<details>), scalars show as text.
type jsonNode struct {
	Key      string // the member name or "[i]"; empty at the top
	Kind     string // object, array, string, number, bool, null, redacted, more
	Text     string // a scalar's text; a folded container's summary
	Children []*jsonNode
	Open     bool
}

// secretKey matches member names whose values must not be shown, even if
// a connector forgot to tag them.
var secretKey = regexp.MustCompile(`(?i)(passw|secret|token|authori[sz]ation|api[-_]?key|cookie|credential|private[-_]?key)`)

// Bounds on what one page renders of a document.
const (
	maxJSONNodes = 5000
	maxJSONDepth = 32
)

// jsonTree parses a stored JSON document into a tree for the job page; an
// empty document gives nil, and one that does not parse is shown as text.
func jsonTree(raw []byte) *jsonNode {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return &jsonNode{Kind: "string", Text: string(raw)}
	}
	budget := maxJSONNodes
	n := build("", v, 0, &budget)
	n.Open = true
	return n
}

// container makes n an object or an array of size members or items, shown
// open at the top level and when it is small.
func (n *jsonNode) container(kind, text string, size, depth int) {
	n.Kind, n.Text = kind, text
	n.Open = depth < 1 || size <= 3
}

// spent reports whether the page's budget of nodes is spent; if it is, n
// gets a last child saying how many of its members or items (what) are
// left out.
func (n *jsonNode) spent(budget, left int, what string) bool {
	if budget > 0 {
		return false
	}
	n.Children = append(n.Children, &jsonNode{Kind: "more", Text: fmt.Sprintf("… %d more %s not shown", left, what)})
	return true
}

func build(key string, v any, depth int, budget *int) *jsonNode {
	*budget--
	n := &jsonNode{Key: key}
	if depth > maxJSONDepth {
		n.Kind, n.Text = "more", "(nested too deep to show)"
		return n
	}
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		n.container("object", fmt.Sprintf("{%d}", len(keys)), len(keys), depth)
		for i, k := range keys {
			if n.spent(*budget, len(keys)-i, "members") {
				break
			}
			if secretKey.MatchString(k) && x[k] != nil {
				*budget--
				n.Children = append(n.Children, &jsonNode{Key: k, Kind: "redacted", Text: "[redacted]"})
				continue
			}
			n.Children = append(n.Children, build(k, x[k], depth+1, budget))
		}
	case []any:
		n.container("array", fmt.Sprintf("[%d]", len(x)), len(x), depth)
		for i, e := range x {
			if n.spent(*budget, len(x)-i, "items") {
				break
			}
			n.Children = append(n.Children, build(fmt.Sprintf("[%d]", i), e, depth+1, budget))
		}
	case string:
		n.Kind, n.Text = "string", x
		if strings.HasPrefix(x, "[redacted") {
			n.Kind = "redacted"
		}
	case json.Number:
		n.Kind, n.Text = "number", x.String()
	case bool:
		n.Kind, n.Text = "bool", fmt.Sprint(x)
	default:
		n.Kind, n.Text = "null", "null"
	}
	return n
}
