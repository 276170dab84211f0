package recipe

import "testing"

// TestToIntAndToFloatReadEveryNumericKind: to_i and to_f take numbers of
// any integer or floating-point kind, named types included, and refuse
// other values with an error naming the function.
func TestToIntAndToFloatReadEveryNumericKind(t *testing.T) {
	type points uint8
	for _, tc := range []struct {
		v any
		i int
		f float64
	}{
		{int8(-7), -7, -7},
		{int64(1 << 40), 1 << 40, 1 << 40},
		{uint16(7), 7, 7},
		{points(7), 7, 7},
		{float32(2.5), 2, 2.5},
		{-7.9, -7, -7.9},
	} {
		if i, err := toInt(tc.v); err != nil || i != tc.i {
			t.Errorf("to_i(%T %v) = %d, %v; want %d", tc.v, tc.v, i, err, tc.i)
		}
		if f, err := toFloat(tc.v); err != nil || f != tc.f {
			t.Errorf("to_f(%T %v) = %v, %v; want %v", tc.v, tc.v, f, err, tc.f)
		}
	}
	if _, err := toInt([]int{1}); err == nil || err.Error() != "to_i: cannot turn []int into a number" {
		t.Errorf("to_i of a slice: %v", err)
	}
	if _, err := toFloat(struct{}{}); err == nil || err.Error() != "to_f: cannot turn struct {} into a number" {
		t.Errorf("to_f of a struct: %v", err)
	}
}
