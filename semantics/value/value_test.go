package value

import (
	"strings"
	"testing"

	"pgregory.net/rapid"
)

func genValue() *rapid.Generator[Value] {
	return rapid.OneOf(
		rapid.Map(rapid.Int64(), Int),
		rapid.Map(rapid.StringN(0, 6, -1), Str),
		rapid.Custom(func(t *rapid.T) Value {
			return AddrOf(Addr{Comp: rapid.SampledFrom([]string{"a", "leader", "storage"}).Draw(t, "comp"), Instance: rapid.IntRange(0, 5).Draw(t, "i")})
		}),
	)
}

func genTuple() *rapid.Generator[Tuple] {
	return rapid.Map(rapid.SliceOfN(genValue(), 0, 4), func(vs []Value) Tuple { return Tuple(vs) })
}

// Key is used as a map key for sets of tuples: it must be injective.
func TestKeyIsInjective(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a, b := genTuple().Draw(t, "a"), genTuple().Draw(t, "b")
		if (a.Key() == b.Key()) != a.Equal(b) {
			t.Fatalf("Key(%v) == Key(%v) is %v but Equal is %v", a, b, a.Key() == b.Key(), a.Equal(b))
		}
	})
}

// Compare must be a total order consistent with Equal, or sorting before
// printing would not make output deterministic.
func TestCompareIsATotalOrder(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a, b, c := genTuple().Draw(t, "a"), genTuple().Draw(t, "b"), genTuple().Draw(t, "c")
		if (a.Compare(b) == 0) != a.Equal(b) {
			t.Fatalf("Compare(%v, %v) = %d but Equal = %v", a, b, a.Compare(b), a.Equal(b))
		}
		if a.Compare(b) != -b.Compare(a) {
			t.Fatalf("Compare not antisymmetric on %v, %v", a, b)
		}
		if a.Compare(b) <= 0 && b.Compare(c) <= 0 && a.Compare(c) > 0 {
			t.Fatalf("Compare not transitive on %v, %v, %v", a, b, c)
		}
	})
}

func TestCanonicalText(t *testing.T) {
	cases := []struct {
		v    Value
		want string
	}{
		{Int(-42), "-42"},
		{Str("a \"b\"\n"), `"a \"b\"\n"`},
		{AddrOf(Addr{Comp: "storage", Instance: 2}), "storage[2]"},
		{Value{}, "<invalid>"},
	}
	for _, c := range cases {
		if got := c.v.String(); got != c.want {
			t.Errorf("%#v.String() = %s, want %s", c.v, got, c.want)
		}
	}
	f := Fact{Rel: "ack", Tuple: Tuple{AddrOf(Addr{Comp: "p", Instance: 0}), Int(7), Str("x")}}
	if got, want := f.String(), `ack(p[0], 7, "x")`; got != want {
		t.Errorf("fact renders as %s, want %s", got, want)
	}
}

// TestParseFactRoundTrip: every fact's canonical text parses back to the
// same fact, so text forms that print facts can be read back exactly.
func TestParseFactRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		f := Fact{Rel: rapid.StringMatching(`[a-z_][a-z0-9_]{0,6}`).Draw(t, "rel"), Tuple: Tuple{}}
		for i, n := 0, rapid.IntRange(0, 4).Draw(t, "n"); i < n; i++ {
			switch rapid.IntRange(0, 2).Draw(t, "kind") {
			case 0:
				f.Tuple = append(f.Tuple, Int(rapid.Int64().Draw(t, "i")))
			case 1:
				f.Tuple = append(f.Tuple, Str(rapid.String().Draw(t, "s")))
			default:
				f.Tuple = append(f.Tuple, AddrOf(Addr{Comp: rapid.StringMatching(`[a-z][a-z0-9]{0,5}`).Draw(t, "comp"),
					Instance: rapid.IntRange(0, MaxInstances-1).Draw(t, "inst")}))
			}
		}
		got, err := ParseFact(f.String())
		if err != nil {
			t.Fatalf("ParseFact(%s): %v", f, err)
		}
		if got.Compare(f) != 0 {
			t.Fatalf("ParseFact(%s) = %s", f, got)
		}
	})
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"leader", `column 7: expected '['`},
		{"leader[10000]", "column 8: instance 10000 out of range (0 to 9999)"},
		{"leader[-1]", "out of range"},
		{"3leader[1]", "column 1: expected a component name"},
		{"leader[1] x", `unexpected "x" after the end`},
	} {
		_, err := ParseAddr(tc.text)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseAddr(%q) = %v, want an error containing %q", tc.text, err, tc.want)
		}
	}
	for _, tc := range []struct{ text, want string }{
		{`in(1, "x)`, "column 7: unterminated or malformed string"},
		{`in(1 2)`, "column 6: expected ')'"},
		{`in(1,)`, "column 6: expected a value"},
		{`(1)`, "column 1: expected a relation name"},
		{`in(99999999999999999999)`, "column 4: expected an integer of 64 bits"},
	} {
		_, err := ParseFact(tc.text)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseFact(%q) = %v, want an error containing %q", tc.text, err, tc.want)
		}
	}
	if f, err := ParseFact(` in ( 1 , leader[2] , "a b" ) `); err != nil || f.String() != `in(1, leader[2], "a b")` {
		t.Errorf("blanks around punctuation: got %v, %v", f, err)
	}
}
