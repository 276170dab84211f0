package recipe

import (
	"encoding/json"
	"reflect"
	"testing"
)

type bufRec struct {
	Name string `json:"name"`
	Pass string `json:"pass" recipe:"secret"`
}

func TestRecordBufKeepsEachRecordIntact(t *testing.T) {
	w := newRecordBuf(1024)
	plain := redactorFor(reflect.TypeFor[int]())
	secret := redactorFor(reflect.TypeFor[bufRec]())
	var recs []json.RawMessage
	var want []string
	for round := range 3 {
		w.reset()
		for i := range 40 { // enough to outgrow the first buffer
			v := round*100 + i
			r, err := w.marshal(plain, v)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(v)
			recs, want = append(recs, r), append(want, string(b))
		}
		r, err := w.marshal(secret, bufRec{Name: "<n>", Pass: "hunter2"})
		if err != nil {
			t.Fatal(err)
		}
		recs, want = append(recs, r), append(want, `{"name":"\u003cn\u003e","pass":"[redacted]"}`)
	}
	// A value encoding/json rejects leaves the buffer as it was.
	if _, err := w.marshal(redactorFor(reflect.TypeFor[func()]()), func() {}); err == nil {
		t.Error("marshal of a func succeeded")
	}
	for i, r := range recs {
		if string(r) != want[i] {
			t.Fatalf("record %d = %s, want %s", i, r, want[i])
		}
		if cap(r) != len(r) {
			t.Fatalf("record %d is not capped: an append would write into the buffer", i)
		}
	}
	// Appending to a record copies it instead of overwriting the next one.
	_ = append(recs[0], 'x')
	if string(recs[1]) != want[1] {
		t.Errorf("record 1 changed after an append to record 0: %s", recs[1])
	}
	if w.hint > 1024 || w.hint < minRecordBuf {
		t.Errorf("hint %d outside [%d, 1024]", w.hint, minRecordBuf)
	}
}
