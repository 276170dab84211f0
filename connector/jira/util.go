package jira

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/url"
	"slices"
	"strings"
	"sync"
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
//
// The body is read whole into a pooled buffer and decoded with
// json.Unmarshal: a json.Decoder would scan the value once to find its end
// and again to decode it, and grow a buffer of its own per response. (The
// json.Unmarshaler contract has implementations copy what they keep, so
// the buffer can be reused.)
func decodeJSON(r io.Reader, v any) error {
	return withBody(r, func(b []byte) error {
		if u, ok := v.(json.Unmarshaler); ok {
			// json.Unmarshal would scan the whole answer to validate it
			// and again to find its end before handing it to the method,
			// which validates what it decodes itself.
			return u.UnmarshalJSON(b)
		}
		return json.Unmarshal(b, v)
	})
}

// keptDecoder is a destination of Client.Do that decodes the body itself
// and may keep slices of it: it is handed a copy of its own.
type keptDecoder interface {
	decodeKept(body []byte) error
}

// decodeKept reads r whole and hands d a copy of exactly its size.
func decodeKept(r io.Reader, d keptDecoder) error {
	return withBody(r, func(b []byte) error { return d.decodeKept(bytes.Clone(b)) })
}

// withBody reads all of r, up to maxResponseBody bytes, into a pooled
// buffer and hands decode the body without surrounding white space,
// unless it is empty. decode must not keep b: the buffer is reused.
func withBody(r io.Reader, decode func(b []byte) error) error {
	buf := bodyBufs.Get().(*bytes.Buffer)
	defer putBodyBuf(buf)
	if err := readInto(buf, r); err != nil {
		return err
	}
	b := bytes.TrimSpace(buf.Bytes())
	if len(b) == 0 {
		return nil
	}
	return decode(b)
}

// readInto reads all of r into buf, up to maxResponseBody bytes.
func readInto(buf *bytes.Buffer, r io.Reader) error {
	if _, err := buf.ReadFrom(io.LimitReader(r, maxResponseBody+1)); err != nil {
		return err
	}
	if int64(buf.Len()) > maxResponseBody {
		return errResponseTooLarge
	}
	return nil
}

// bodyBufs holds the buffers responses are read into.
var bodyBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBody is the largest buffer kept for reuse; a rare huge answer
// does not stay in memory.
const maxPooledBody = 4 << 20

func putBodyBuf(buf *bytes.Buffer) {
	if buf.Cap() > maxPooledBody {
		return
	}
	buf.Reset()
	bodyBufs.Put(buf)
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

func sortFieldMeta(fs []FieldMeta) {
	slices.SortFunc(fs, func(a, b FieldMeta) int { return strings.Compare(a.FieldID, b.FieldID) })
}

func pathEscape(s string) string { return url.PathEscape(s) }
