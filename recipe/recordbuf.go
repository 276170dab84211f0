package recipe

import (
	"encoding/json"
)

// recordBuf encodes the JSON of job records (step inputs and outputs, event
// data) into one growing byte slice, so a job's records cost one allocation
// instead of one each. Every record handed out is a slice of the buffer
// capped at its own end: nothing is ever written over it, and an append by
// its holder copies. [recordBuf.reset] starts a fresh buffer and leaves the
// old one to the records that use it.
//
// A recordBuf is used by one goroutine at a time.
type recordBuf struct {
	buf  []byte
	enc  *json.Encoder
	hint int // capacity of the next buffer, from the size of the last
	max  int // largest hint
}

const (
	minRecordBuf = 256
	// maxRecordBuf caps the buffer of one job's step records; maxPageBuf
	// that of one page of events.
	maxRecordBuf = 64 << 10
	maxPageBuf   = 1 << 20
)

// newRecordBuf returns a buffer whose size hint never exceeds maxHint.
func newRecordBuf(maxHint int) *recordBuf {
	w := &recordBuf{hint: minRecordBuf, max: max(maxHint, minRecordBuf)}
	w.enc = json.NewEncoder(w)
	return w
}

// Write appends p to the buffer; the encoder writes through it.
func (w *recordBuf) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	return len(p), nil
}

// reset makes the next record start a new buffer, sized for a job like the
// last one.
func (w *recordBuf) reset() {
	if used := len(w.buf); used > 0 {
		w.hint = min(max(used+used/4, minRecordBuf), w.max)
	}
	w.buf = nil
}

// marshal encodes v as json.Marshal would, redacting as r says.
func (w *recordBuf) marshal(r *redactor, v any) (json.RawMessage, error) {
	if w.buf == nil {
		w.buf = make([]byte, 0, w.hint)
	}
	start := len(w.buf)
	if r.secrets {
		b, err := r.marshal(v)
		if err != nil {
			return nil, err
		}
		w.buf = append(w.buf, b...)
	} else {
		if err := w.enc.Encode(v); err != nil {
			w.buf = w.buf[:start]
			return nil, err
		}
		w.buf = w.buf[:len(w.buf)-1] // Encode ends each value with a newline
	}
	end := len(w.buf)
	return json.RawMessage(w.buf[start:end:end]), nil
}
