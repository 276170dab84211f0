package jira

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/url"
	"slices"
	"strconv"
)

func decodeJSON(r io.Reader, v any) error {
	if err := json.NewDecoder(r).Decode(v); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

// anyString renders a JSON id that Jira sends as a number or a string.
func anyString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case json.Number:
		return x.String()
	}
	return fmt.Sprint(v)
}

// sliceIter turns a one-shot list call into an iterator.
func sliceIter[T any](list func() ([]T, error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		items, err := list()
		if err != nil {
			var zero T
			yield(zero, err)
			return
		}
		for _, it := range items {
			if !yield(it, nil) {
				return
			}
		}
	}
}

func sortFieldMeta(fs []FieldMeta) {
	slices.SortFunc(fs, func(a, b FieldMeta) int {
		switch {
		case a.FieldID < b.FieldID:
			return -1
		case a.FieldID > b.FieldID:
			return 1
		}
		return 0
	})
}

func pathEscape(s string) string { return url.PathEscape(s) }
