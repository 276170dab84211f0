package jql

import (
	"cmp"
	"strconv"
	"strings"
)

// node is a compiled condition.
type node interface {
	match(r Record) bool
}

type andNode []node

func (n andNode) match(r Record) bool {
	for _, x := range n {
		if !x.match(r) {
			return false
		}
	}
	return true
}

type orNode []node

func (n orNode) match(r Record) bool {
	for _, x := range n {
		if x.match(r) {
			return true
		}
	}
	return false
}

type notNode struct{ x node }

func (n notNode) match(r Record) bool { return !n.x.match(r) }

type constNode bool

func (n constNode) match(Record) bool { return bool(n) }

// emptyNode is IS EMPTY / IS NOT EMPTY.
type emptyNode struct {
	field  string
	date   bool
	negate bool
}

func (n emptyNode) match(r Record) bool {
	var empty bool
	if n.date {
		_, ok := r.Time(n.field)
		empty = !ok
	} else {
		empty = len(r.Values(n.field)) == 0
	}
	return empty != n.negate
}

// eqNode is = != IN NOT IN on names, users, labels, priorities and custom
// fields: case-insensitive, any of the record's values against any target.
type eqNode struct {
	field   string
	targets []string
	empty   bool // EMPTY was among the values
	negate  bool
}

func (n eqNode) match(r Record) bool {
	vals := r.Values(n.field)
	if len(vals) == 0 {
		return n.empty && !n.negate
	}
	hit := anyEqualFold(vals, n.targets)
	return hit != n.negate
}

func anyEqualFold(vals, targets []string) bool {
	for _, v := range vals {
		for _, t := range targets {
			if strings.EqualFold(v, t) {
				return true
			}
		}
	}
	return false
}

// keyEqNode is = != IN NOT IN on issue keys and ids.
type keyEqNode struct {
	keys   []string
	ids    []string
	negate bool
}

func (n keyEqNode) match(r Record) bool {
	keys := r.Values("key")
	if len(keys) == 0 {
		return false
	}
	hit := anyEqualFold(keys, n.keys)
	if !hit && len(n.ids) > 0 {
		hit = anyEqualFold(keys, n.ids) || anyEqualFold(r.Values("id"), n.ids)
	}
	return hit != n.negate
}

// keyCmpNode is < <= > >= on keys: within the literal's project by number,
// or by numeric id.
type keyCmpNode struct {
	op      Operator
	project string
	num     int64
	byID    bool
}

func (n keyCmpNode) match(r Record) bool {
	if n.byID {
		for _, field := range [...]string{"id", "key"} {
			for _, v := range r.Values(field) {
				if !isDigits(v) {
					continue
				}
				if id, err := strconv.ParseInt(v, 10, 64); err == nil {
					return compareOp(cmp.Compare(id, n.num), n.op)
				}
			}
		}
		return false
	}
	for _, v := range r.Values("key") {
		if p, num, ok := splitKey(v); ok && strings.EqualFold(p, n.project) {
			return compareOp(cmp.Compare(num, n.num), n.op)
		}
	}
	return false
}

// dateBound is a resolved date operand.
type dateBound struct {
	ms     int64
	minute bool // compare the record's time truncated to the minute
}

// dateNode compares a date field.
type dateNode struct {
	field  string
	op     Operator
	bounds []dateBound
	empty  bool
}

func (n dateNode) match(r Record) bool {
	t, ok := r.Time(n.field)
	if !ok {
		return n.empty && (n.op == OpEquals || n.op == OpIn)
	}
	ms := t.UnixMilli()
	switch n.op {
	case OpEquals, OpIn, OpNotEquals, OpNotIn:
		hit := false
		for _, b := range n.bounds {
			if b.value(ms) == b.ms {
				hit = true
				break
			}
		}
		return hit != (n.op == OpNotEquals || n.op == OpNotIn)
	}
	if len(n.bounds) == 0 {
		return false
	}
	b := n.bounds[0]
	return compareOp(cmp.Compare(b.value(ms), b.ms), n.op)
}

// value returns the record's time as this bound compares it.
func (b dateBound) value(ms int64) int64 {
	if !b.minute {
		return ms
	}
	m := ms / 60000
	if ms%60000 < 0 {
		m--
	}
	return m * 60000
}

// textNode is ~ and !~.
type textNode struct {
	field  string
	terms  []term
	phrase bool
	negate bool
}

var textFallback = [...]string{"summary", "description", "comment"}

func (n textNode) match(r Record) bool {
	vals := r.Values(n.field)
	if len(vals) == 0 && n.field == "text" {
		hit, any := false, false
		for _, f := range textFallback {
			vs := r.Values(f)
			any = any || len(vs) > 0
			if !hit && n.contains(vs) {
				hit = true
			}
		}
		if !any {
			return false
		}
		return hit != n.negate
	}
	if len(vals) == 0 {
		return false
	}
	return n.contains(vals) != n.negate
}

func (n textNode) contains(vals []string) bool {
	for _, v := range vals {
		if containsTerms(v, n.terms, n.phrase) {
			return true
		}
	}
	return false
}

// rankNode is < <= > >= on priority and custom fields: by the record's rank
// when it knows both values (a smaller rank is greater), else numerically.
type rankNode struct {
	field string
	op    Operator
	lit   string
	num   float64
	isNum bool
}

func (n rankNode) match(r Record) bool {
	vals := r.Values(n.field)
	if litRank, ok := r.Rank(n.field, n.lit); ok {
		for _, v := range vals {
			if rank, ok := r.Rank(n.field, v); ok {
				return compareOp(cmp.Compare(litRank, rank), n.op)
			}
		}
	}
	if n.isNum {
		for _, v := range vals {
			if looksNumeric(v) {
				if f, err := strconv.ParseFloat(v, 64); err == nil {
					return compareOp(cmp.Compare(f, n.num), n.op)
				}
			}
		}
	}
	return false
}

// customNode compares a custom field as a date when the record has a time
// for it, and as text or numbers otherwise.
type customNode struct {
	field string
	date  node
	other node
}

func (n customNode) match(r Record) bool {
	if _, ok := r.Time(n.field); ok {
		return n.date.match(r)
	}
	return n.other.match(r)
}

// looksNumeric cheaply rules out values ParseFloat would reject, so the hot
// path does not allocate an error.
func looksNumeric(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && c != '.' && c != '-' && c != '+' && c != 'e' && c != 'E' {
			return false
		}
	}
	return true
}

// compareOp applies a comparison operator to the result of comparing the
// record's value (left) with the query's (right).
func compareOp(c int, op Operator) bool {
	switch op {
	case OpLess:
		return c < 0
	case OpLessEq:
		return c <= 0
	case OpGreater:
		return c > 0
	case OpGreaterEq:
		return c >= 0
	}
	return false
}
