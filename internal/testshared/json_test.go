package testshared

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestJSONFilesYieldsDecodedFilesInOrder(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"b.json":       `{"key":"DEMO-2"}`,
		"a/inner.json": `[1,"two"]`,
		"notes.txt":    `{"skipped":true}`,
		"broken.json":  `{"unterminated"`,
	} {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	docs := map[string]any{}
	for name, doc := range JSONFiles(t, dir) {
		names = append(names, name)
		docs[name] = doc
	}
	inner := filepath.Join("a", "inner.json")
	if !reflect.DeepEqual(names, []string{inner, "b.json"}) {
		t.Fatalf("yielded %q, want the two JSON files in lexical order", names)
	}
	if want := []any{1.0, "two"}; !reflect.DeepEqual(docs[inner], want) {
		t.Errorf("%s decoded to %#v, want %#v", inner, docs[inner], want)
	}
	if want := map[string]any{"key": "DEMO-2"}; !reflect.DeepEqual(docs["b.json"], want) {
		t.Errorf("b.json decoded to %#v, want %#v", docs["b.json"], want)
	}
	for range JSONFiles(t, dir) {
		break // stopping early must not fail the test
	}
}
