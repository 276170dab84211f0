package testshared

import (
	"encoding/json"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// JSONFiles yields every .json file below dir, in lexical order, as its
// path relative to dir and its decoded value. A file that does not decode
// is passed over, so that one stray file in the reference material does
// not stop the tests that look for shapes in the rest; a folder or file
// that cannot be read fails the test.
func JSONFiles(tb testing.TB, dir string) iter.Seq2[string, any] {
	return func(yield func(string, any) bool) {
		tb.Helper()
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json") {
				return err
			}
			raw, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			var doc any
			if json.Unmarshal(raw, &doc) != nil {
				return nil
			}
			name, err := filepath.Rel(dir, path)
			if err != nil {
				return err
			}
			if !yield(name, doc) {
				return filepath.SkipAll
			}
			return nil
		})
		if err != nil {
			tb.Fatalf("reading the JSON files under %s: %v", dir, err)
		}
	}
}
