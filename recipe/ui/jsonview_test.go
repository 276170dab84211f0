package ui

import (
	"encoding/json"
	"fmt"
	"testing"
)

// TestJSONTreeStopsAtItsBudget: a document with more values than a page
// renders ends each container that overflows with a node saying how many
// members or items are left out, and small containers below the top are
// shown open while large ones are folded.
func TestJSONTreeStopsAtItsBudget(t *testing.T) {
	items := make([]int, maxJSONNodes+10)
	members := map[string]int{}
	for i := range 20 {
		members[fmt.Sprintf("k%02d", i)] = i
	}
	raw, err := json.Marshal(map[string]any{"a": members, "b": []int{1, 2}, "c": items})
	if err != nil {
		t.Fatal(err)
	}
	root := jsonTree(raw)
	if !root.Open || root.Kind != "object" || len(root.Children) != 3 {
		t.Fatalf("root = %+v, want an open object of three members", root)
	}
	a, b, c := root.Children[0], root.Children[1], root.Children[2]
	if a.Kind != "object" || a.Text != "{20}" || a.Open {
		t.Errorf("member a = %s %s open=%v, want a folded object {20}", a.Kind, a.Text, a.Open)
	}
	if b.Kind != "array" || b.Text != "[2]" || !b.Open {
		t.Errorf("member b = %s %s open=%v, want an open array [2]", b.Kind, b.Text, b.Open)
	}
	last := c.Children[len(c.Children)-1]
	shown := len(c.Children) - 1
	want := fmt.Sprintf("… %d more items not shown", len(items)-shown)
	if last.Kind != "more" || last.Text != want {
		t.Errorf("last child of the long array = %s %q, want more %q", last.Kind, last.Text, want)
	}
	if shown >= len(items) {
		t.Errorf("the long array shows %d of %d items, want it cut by the budget", shown, len(items))
	}

	wide := map[string]int{}
	for i := range maxJSONNodes + 10 {
		wide[fmt.Sprintf("m%05d", i)] = i
	}
	raw, err = json.Marshal(wide)
	if err != nil {
		t.Fatal(err)
	}
	root = jsonTree(raw)
	last = root.Children[len(root.Children)-1]
	shown = len(root.Children) - 1
	if want := fmt.Sprintf("… %d more members not shown", len(wide)-shown); last.Kind != "more" || last.Text != want {
		t.Errorf("last child of the wide object = %s %q, want more %q", last.Kind, last.Text, want)
	}
}
