// Package value defines the values, tuples and addresses that Dedalus
// programs compute with, and their one canonical text form.
//
// A Value is a small immutable struct: a 64-bit integer, a string, or the
// address of a component instance. Values have a total order (kind first,
// then payload) so that every set of facts can be printed, hashed and
// iterated in one deterministic order.
package value

import (
	"strconv"
	"strings"
)

// Kind says which payload a Value carries.
type Kind uint8

const (
	// KindInvalid is the zero Kind; a Value of this kind is a bug.
	KindInvalid Kind = iota
	// KindInt is a signed 64-bit integer.
	KindInt
	// KindString is a UTF-8 string.
	KindString
	// KindAddr is the address of one instance of one component.
	KindAddr
)

// String names the kind as the language's type names do.
func (k Kind) String() string {
	switch k {
	case KindInt:
		return "int"
	case KindString:
		return "string"
	case KindAddr:
		return "addr"
	}
	return "invalid"
}

// Addr names one node: instance Instance of the component with name Comp.
// The canonical text form is comp[instance], e.g. storage[2].
type Addr struct {
	Comp     string
	Instance int
}

// String renders the address in its canonical form.
func (a Addr) String() string { return a.Comp + "[" + strconv.Itoa(a.Instance) + "]" }

// Compare orders addresses by component name, then instance.
func (a Addr) Compare(b Addr) int {
	if c := strings.Compare(a.Comp, b.Comp); c != 0 {
		return c
	}
	return cmpInt(int64(a.Instance), int64(b.Instance))
}

// Value is one attribute value. The zero Value is invalid.
//
// For KindInt, I holds the integer. For KindString, S() is the string. For
// KindAddr, S() is the component name and I the instance number. The
// string is held interned (intern.go), so a Value holds no pointer and
// == on Values is equality of values.
type Value struct {
	K Kind
	s uint32 // the interned string; 0 is ""
	I int64
}

// Int makes an integer value.
func Int(i int64) Value { return Value{K: KindInt, I: i} }

// Str makes a string value.
func Str(s string) Value { return Value{K: KindString, s: intern(s)} }

// AddrOf makes an address value.
func AddrOf(a Addr) Value { return Value{K: KindAddr, s: intern(a.Comp), I: int64(a.Instance)} }

// S returns the string payload: a string's text, an address's component
// name ("" for an int).
func (v Value) S() string { return internedString(v.s) }

// Equal reports whether v and w are the same value (v == w; the method
// lets go-cmp compare Values, whose payload field is unexported).
func (v Value) Equal(w Value) bool { return v == w }

// Addr returns the address a KindAddr value holds.
func (v Value) Addr() Addr { return Addr{Comp: v.S(), Instance: int(v.I)} }

// Compare is the total order on values: by kind, then payload.
func (v Value) Compare(w Value) int {
	if v.K != w.K {
		return cmpInt(int64(v.K), int64(w.K))
	}
	switch v.K {
	case KindInt:
		return cmpInt(v.I, w.I)
	case KindString:
		if v.s == w.s {
			return 0
		}
		return strings.Compare(v.S(), w.S())
	case KindAddr:
		if v.s != w.s {
			if c := strings.Compare(v.S(), w.S()); c != 0 {
				return c
			}
		}
		return cmpInt(v.I, w.I)
	}
	return 0
}

// String renders the value canonically: integers in decimal, strings
// double-quoted with Go escapes, addresses as comp[i].
func (v Value) String() string {
	switch v.K {
	case KindInt:
		return strconv.FormatInt(v.I, 10)
	case KindString:
		return strconv.Quote(v.S())
	case KindAddr:
		return v.Addr().String()
	}
	return "<invalid>"
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Tuple is an ordered list of values: one fact's attributes.
type Tuple []Value

// Compare orders tuples lexicographically (shorter first on a common prefix).
func (t Tuple) Compare(u Tuple) int {
	n := min(len(t), len(u))
	for i := 0; i < n; i++ {
		if c := t[i].Compare(u[i]); c != 0 {
			return c
		}
	}
	return cmpInt(int64(len(t)), int64(len(u)))
}

// Equal reports whether two tuples hold the same values.
func (t Tuple) Equal(u Tuple) bool {
	if len(t) != len(u) {
		return false
	}
	for i := range t {
		if t[i] != u[i] {
			return false
		}
	}
	return true
}

// String renders the tuple as (v1, v2, ...).
func (t Tuple) String() string {
	var b strings.Builder
	b.WriteByte('(')
	for i, v := range t {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(v.String())
	}
	b.WriteByte(')')
	return b.String()
}

// Key returns a string that is equal for equal tuples and different for
// different ones; it is meant for use as a map key, never for output.
func (t Tuple) Key() string {
	var b strings.Builder
	for _, v := range t {
		b.WriteByte(byte(v.K))
		switch v.K {
		case KindInt:
			b.WriteString(strconv.FormatInt(v.I, 36))
		case KindString:
			s := v.S()
			b.WriteString(strconv.Itoa(len(s)))
			b.WriteByte(':')
			b.WriteString(s)
		case KindAddr:
			s := v.S()
			b.WriteString(strconv.Itoa(len(s)))
			b.WriteByte(':')
			b.WriteString(s)
			b.WriteString(strconv.FormatInt(v.I, 36))
		}
		b.WriteByte(0)
	}
	return b.String()
}

// Fact is a tuple of a named relation.
type Fact struct {
	Rel   string
	Tuple Tuple
}

// String renders the fact canonically: rel(v1, v2, ...).
func (f Fact) String() string { return f.Rel + f.Tuple.String() }

// FactStrings renders each fact (nil for none: traces omit empty lists).
func FactStrings(fs []Fact) []string {
	if len(fs) == 0 {
		return nil
	}
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.String()
	}
	return out
}

// Compare orders facts by relation name, then tuple.
func (f Fact) Compare(g Fact) int {
	if c := strings.Compare(f.Rel, g.Rel); c != 0 {
		return c
	}
	return f.Tuple.Compare(g.Tuple)
}
