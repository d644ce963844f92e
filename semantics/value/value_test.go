package value

import (
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
