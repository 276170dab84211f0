package jql

import (
	"cmp"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// Compare orders two records by the query's ORDER BY fields: negative when
// a sorts before b, positive when after, 0 when the ORDER BY does not tell
// them apart (or there is none); the caller picks the tie-breaker. Dates
// compare by time, keys by project then number (DEMO-9 < DEMO-10),
// priority by importance (DESC lists the most important first, from
// [Record.Rank]), numbers numerically and other values as case-insensitive
// text. Empty values sort after all others in ascending order.
func (q *Query) Compare(a, b Record) int {
	if q == nil {
		return 0
	}
	for _, f := range q.OrderBy {
		c := compareField(f.Field, a, b)
		if c == 0 {
			continue
		}
		if f.Desc {
			return -c
		}
		return c
	}
	return 0
}

func compareField(field string, a, b Record) int {
	info := lookupField(field, true)
	switch info.kind {
	case kindDate:
		ta, oka := a.Time(info.canonical)
		tb, okb := b.Time(info.canonical)
		if c, done := compareEmpty(!oka, !okb); done {
			return c
		}
		return ta.Compare(tb)
	case kindKey:
		return compareKeys(a.Values("key"), b.Values("key"))
	}
	va, vb := a.Values(info.canonical), b.Values(info.canonical)
	if c, done := compareEmpty(len(va) == 0, len(vb) == 0); done {
		return c
	}
	if ra, ok := rankOf(a, info.canonical, va); ok {
		if rb, ok := rankOf(b, info.canonical, vb); ok {
			return cmp.Compare(rb, ra) // a smaller rank is greater
		}
	}
	if info.kind == kindCustom {
		if ta, ok := a.Time(info.canonical); ok {
			if tb, ok := b.Time(info.canonical); ok {
				return ta.Compare(tb)
			}
		}
	}
	return compareText(va[0], vb[0])
}

// compareEmpty orders empty values last; done is false when both are set.
func compareEmpty(emptyA, emptyB bool) (c int, done bool) {
	switch {
	case emptyA && emptyB:
		return 0, true
	case emptyA:
		return 1, true
	case emptyB:
		return -1, true
	}
	return 0, false
}

func rankOf(r Record, field string, vals []string) (int, bool) {
	for _, v := range vals {
		if rank, ok := r.Rank(field, v); ok {
			return rank, true
		}
	}
	return 0, false
}

// compareKeys orders by the first value of each that reads as an issue key:
// project (case-insensitively), then number.
func compareKeys(a, b []string) int {
	pa, na, oka := firstKey(a)
	pb, nb, okb := firstKey(b)
	if c, done := compareEmpty(!oka, !okb); done {
		return c
	}
	if c := compareFold(pa, pb); c != 0 {
		return c
	}
	return cmp.Compare(na, nb)
}

func firstKey(vals []string) (string, int64, bool) {
	for _, v := range vals {
		if p, n, ok := splitKey(v); ok {
			return p, n, true
		}
	}
	return "", 0, false
}

// compareText compares numbers numerically and anything else as
// case-insensitive text.
func compareText(a, b string) int {
	if looksNumeric(a) && looksNumeric(b) {
		fa, erra := strconv.ParseFloat(a, 64)
		fb, errb := strconv.ParseFloat(b, 64)
		if erra == nil && errb == nil {
			return cmp.Compare(fa, fb)
		}
	}
	return compareFold(a, b)
}

// compareFold compares strings ignoring case, without allocating.
func compareFold(a, b string) int {
	for a != "" && b != "" {
		ra, wa := utf8.DecodeRuneInString(a)
		rb, wb := utf8.DecodeRuneInString(b)
		if ra != rb {
			la, lb := unicode.ToLower(ra), unicode.ToLower(rb)
			if la != lb {
				return cmp.Compare(la, lb)
			}
		}
		a, b = a[wa:], b[wb:]
	}
	return cmp.Compare(len(a), len(b))
}
