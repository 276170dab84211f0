package jira

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// maxResponseBody bounds how much of a successful answer is read into
// memory: far above any Jira page, low enough that a misbehaving proxy or
// endpoint cannot exhaust the process. (A variable so that tests can
// lower it.)
var maxResponseBody int64 = 64 << 20

// errResponseTooLarge reports an answer past maxResponseBody.
var errResponseTooLarge = errors.New("the answer is larger than the 64 MiB the connector reads; ask for less (fewer fields, a smaller page)")

// decodeJSON decodes one JSON value of at most maxResponseBody bytes from
// r into v; an empty body leaves v unchanged.
func decodeJSON(r io.Reader, v any) error {
	lr := &io.LimitedReader{R: r, N: maxResponseBody + 1}
	err := json.NewDecoder(lr).Decode(v)
	if lr.N <= 0 {
		return errResponseTooLarge
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

// readBody reads all of r, up to maxResponseBody bytes.
func readBody(r io.Reader) ([]byte, error) {
	raw, err := io.ReadAll(io.LimitReader(r, maxResponseBody+1))
	if err != nil {
		return nil, err
	}
	if int64(len(raw)) > maxResponseBody {
		return nil, errResponseTooLarge
	}
	return raw, nil
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

func sortFieldMeta(fs []FieldMeta) {
	slices.SortFunc(fs, func(a, b FieldMeta) int { return strings.Compare(a.FieldID, b.FieldID) })
}

func pathEscape(s string) string { return url.PathEscape(s) }
