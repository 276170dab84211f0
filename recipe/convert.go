package recipe

import (
	"fmt"
	"math"
	"reflect"
	"strings"
	"time"
)

// convFn stores a pill's value into a field.
type convFn func(v any, dst reflect.Value) error

var timeType = reflect.TypeFor[time.Time]()

// converterFor checks at build time that a pill of static type src can
// fill a field of type dst, and returns the function that does it. A src of
// interface type (the pill's type is only known at run time) is checked
// when the job runs.
func converterFor(src, dst reflect.Type) (convFn, error) {
	if src == nil {
		src = anyType
	}
	if src == dst {
		return setDirect, nil
	}
	if err := fits(src, dst); err != nil {
		return nil, err
	}
	return convertAny, nil
}

func setDirect(v any, dst reflect.Value) error {
	if v == nil {
		dst.SetZero()
		return nil
	}
	dst.Set(reflect.ValueOf(v))
	return nil
}

func isNumber(k reflect.Kind) bool {
	return isInt(k) || isUint(k) || k == reflect.Float32 || k == reflect.Float64
}

func isInt(k reflect.Kind) bool {
	return k >= reflect.Int && k <= reflect.Int64
}

func isUint(k reflect.Kind) bool {
	return k >= reflect.Uint && k <= reflect.Uintptr
}

// fits reports statically whether a value of type src can be converted to
// dst by convertAny. It is permissive where only the run-time value can tell
// (interfaces, maps to structs).
func fits(src, dst reflect.Type) error {
	if src.Kind() == reflect.Interface {
		return nil
	}
	if src.AssignableTo(dst) {
		return nil
	}
	switch dst.Kind() {
	case reflect.Interface:
		if src.Implements(dst) {
			return nil
		}
		return fmt.Errorf("%s does not implement %s", src, dst)
	case reflect.Pointer:
		if src.Kind() == reflect.Pointer {
			return fits(src.Elem(), dst.Elem())
		}
		return fits(src, dst.Elem())
	}
	if src.Kind() == reflect.Pointer {
		return fits(src.Elem(), dst)
	}
	switch {
	case dst.Kind() == reflect.String && src.Kind() == reflect.String,
		dst.Kind() == reflect.Bool && src.Kind() == reflect.Bool,
		isNumber(dst.Kind()) && isNumber(src.Kind()):
		return nil
	case dst == timeType && src.Kind() == reflect.String:
		return nil
	case dst.Kind() == reflect.Slice && (src.Kind() == reflect.Slice || src.Kind() == reflect.Array):
		if err := fits(src.Elem(), dst.Elem()); err != nil {
			return fmt.Errorf("list element: %w", err)
		}
		return nil
	case dst.Kind() == reflect.Map && src.Kind() == reflect.Map:
		if err := fits(src.Key(), dst.Key()); err != nil {
			return fmt.Errorf("map key: %w", err)
		}
		if err := fits(src.Elem(), dst.Elem()); err != nil {
			return fmt.Errorf("map value: %w", err)
		}
		return nil
	case dst.Kind() == reflect.Struct && src.Kind() == reflect.Map && src.Key().Kind() == reflect.String:
		return nil
	}
	hint := ""
	switch {
	case dst.Kind() == reflect.String && isNumber(src.Kind()):
		hint = " (use to_s(...))"
	case isNumber(dst.Kind()) && src.Kind() == reflect.String:
		hint = " (use to_i(...) or to_f(...))"
	case dst.Kind() == reflect.String && src == timeType:
		hint = " (use format_date(...))"
	case dst.Kind() == reflect.Slice && src.Kind() != reflect.Slice:
		hint = " (wrap it in a list: [ ... ])"
	}
	return fmt.Errorf("cannot convert %s to %s%s", src, dst, hint)
}

// convertAny stores v into dst, converting where no information is lost.
func convertAny(v any, dst reflect.Value) error {
	if v == nil {
		dst.SetZero()
		return nil
	}
	return convertValue(reflect.ValueOf(v), dst)
}

func convertValue(src reflect.Value, dst reflect.Value) error {
	dt := dst.Type()
	for src.Kind() == reflect.Interface {
		if src.IsNil() {
			dst.SetZero()
			return nil
		}
		src = src.Elem()
	}
	if src.Type().AssignableTo(dt) {
		dst.Set(src)
		return nil
	}
	switch dt.Kind() {
	case reflect.Interface:
		if src.Type().Implements(dt) {
			dst.Set(src)
			return nil
		}
		return fmt.Errorf("cannot use %s as %s", src.Type(), dt)
	case reflect.Pointer:
		if src.Kind() == reflect.Pointer {
			if src.IsNil() {
				dst.SetZero()
				return nil
			}
			src = src.Elem()
		}
		p := reflect.New(dt.Elem())
		if err := convertValue(src, p.Elem()); err != nil {
			return err
		}
		dst.Set(p)
		return nil
	}
	if src.Kind() == reflect.Pointer {
		if src.IsNil() {
			dst.SetZero()
			return nil
		}
		return convertValue(src.Elem(), dst)
	}
	sk := src.Kind()
	switch dk := dt.Kind(); {
	case dk == reflect.String && sk == reflect.String:
		dst.SetString(src.String())
	case dk == reflect.Bool && sk == reflect.Bool:
		dst.SetBool(src.Bool())
	case isInt(dk):
		n, err := toInt64(src)
		if err != nil {
			return err
		}
		if dst.OverflowInt(n) {
			return fmt.Errorf("%d does not fit %s", n, dt)
		}
		dst.SetInt(n)
	case isUint(dk):
		n, err := toInt64(src)
		if err != nil {
			if isUint(sk) {
				u := src.Uint()
				if dst.OverflowUint(u) {
					return fmt.Errorf("%d does not fit %s", u, dt)
				}
				dst.SetUint(u)
				return nil
			}
			return err
		}
		if n < 0 || dst.OverflowUint(uint64(n)) {
			return fmt.Errorf("%d does not fit %s", n, dt)
		}
		dst.SetUint(uint64(n))
	case dk == reflect.Float32 || dk == reflect.Float64:
		var f float64
		switch {
		case isInt(sk):
			f = float64(src.Int())
		case isUint(sk):
			f = float64(src.Uint())
		case sk == reflect.Float32 || sk == reflect.Float64:
			f = src.Float()
		default:
			return fmt.Errorf("cannot use %s as %s (use to_f(...))", src.Type(), dt)
		}
		if dst.OverflowFloat(f) {
			return fmt.Errorf("%g does not fit %s", f, dt)
		}
		dst.SetFloat(f)
	case dt == timeType && sk == reflect.String:
		t, err := parseTime(src.String())
		if err != nil {
			return err
		}
		dst.Set(reflect.ValueOf(t))
	case dk == reflect.Slice && (sk == reflect.Slice || sk == reflect.Array):
		if sk == reflect.Slice && src.IsNil() {
			dst.SetZero()
			return nil
		}
		out := reflect.MakeSlice(dt, src.Len(), src.Len())
		for i := range src.Len() {
			if err := convertValue(src.Index(i), out.Index(i)); err != nil {
				return fmt.Errorf("[%d]: %w", i, err)
			}
		}
		dst.Set(out)
	case dk == reflect.Map && sk == reflect.Map:
		if src.IsNil() {
			dst.SetZero()
			return nil
		}
		out := reflect.MakeMapWithSize(dt, src.Len())
		it := src.MapRange()
		for it.Next() {
			k := reflect.New(dt.Key()).Elem()
			if err := convertValue(it.Key(), k); err != nil {
				return fmt.Errorf("key %v: %w", it.Key(), err)
			}
			e := reflect.New(dt.Elem()).Elem()
			if err := convertValue(it.Value(), e); err != nil {
				return fmt.Errorf("[%v]: %w", it.Key(), err)
			}
			out.SetMapIndex(k, e)
		}
		dst.Set(out)
	case dk == reflect.Struct && sk == reflect.Map && src.Type().Key().Kind() == reflect.String:
		it := src.MapRange()
		for it.Next() {
			name := it.Key().String()
			idx, _, ok := fieldByPillName(dt, name)
			if !ok {
				return fmt.Errorf("%s has no field %q; its fields are: %s", dt, name, strings.Join(pillFieldNames(dt), ", "))
			}
			if err := convertValue(it.Value(), dst.Field(idx)); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
		}
	default:
		return fmt.Errorf("cannot use %s as %s", src.Type(), dt)
	}
	return nil
}

const maxExactFloat = 1 << 53

func toInt64(src reflect.Value) (int64, error) {
	switch k := src.Kind(); {
	case isInt(k):
		return src.Int(), nil
	case isUint(k):
		u := src.Uint()
		if u > math.MaxInt64 {
			return 0, fmt.Errorf("%d is too large", u)
		}
		return int64(u), nil
	case k == reflect.Float32 || k == reflect.Float64:
		f := src.Float()
		if f != math.Trunc(f) || math.IsInf(f, 0) || math.IsNaN(f) {
			return 0, fmt.Errorf("%g is not a whole number (use round(...) or floor(...))", f)
		}
		if f < -maxExactFloat || f > maxExactFloat {
			return 0, fmt.Errorf("%g is too large to convert exactly", f)
		}
		return int64(f), nil
	}
	return 0, fmt.Errorf("cannot use %s as a whole number (use to_i(...))", src.Type())
}
