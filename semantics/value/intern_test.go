package value

import (
	"strconv"
	"sync"
	"testing"
	"unsafe"

	"pgregory.net/rapid"
)

// Interning must keep == on Values the equality of their contents, and
// give back every string as it was made.
func TestInternedEqualityIsContentEquality(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a, b := rapid.StringN(0, 8, -1).Draw(t, "a"), rapid.StringN(0, 8, -1).Draw(t, "b")
		if (Str(a) == Str(b)) != (a == b) {
			t.Fatalf("Str(%q) == Str(%q) is %v", a, b, Str(a) == Str(b))
		}
		if Str(a).S() != a || AddrOf(Addr{Comp: a, Instance: 1}).Addr().Comp != a {
			t.Fatalf("%q does not come back", a)
		}
		for _, v := range []Value{Str(a), AddrOf(Addr{Comp: a})} {
			if want := fnv1a(fnvOffset^uint64(v.K), a); v.FNV() != want {
				t.Fatalf("FNV of %v is %x, want %x", v, v.FNV(), want)
			}
		}
		if (Str(a).Compare(Str(b)) < 0) != (a < b) {
			t.Fatalf("Compare(%q, %q) disagrees with the strings' order", a, b)
		}
	})
}

// Goroutines interning the same strings at once (across chunk
// boundaries) agree on every Value; run under -race too.
func TestInternConcurrently(t *testing.T) {
	const n = 3 * internChunk
	got := make([][]Value, 4)
	var wg sync.WaitGroup
	for g := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			vs := make([]Value, n)
			for i := range vs {
				k := i
				if g%2 == 1 {
					k = n - 1 - i // the other half interns in the other order
				}
				vs[k] = Str("intern-test-" + strconv.Itoa(k))
			}
			got[g] = vs
		}()
	}
	wg.Wait()
	for g := 1; g < len(got); g++ {
		for i := range got[g] {
			if got[g][i] != got[0][i] || got[g][i].S() != "intern-test-"+strconv.Itoa(i) {
				t.Fatalf("goroutine %d, string %d: %v vs %v", g, i, got[g][i], got[0][i])
			}
		}
	}
}

// A Value is 16 bytes and pointer-free (what interning is for); the zero
// payload reads as the empty string.
func TestValueIsSmall(t *testing.T) {
	if s := unsafe.Sizeof(Value{}); s != 16 {
		t.Fatalf("Value is %d bytes", s)
	}
	if Str("") != (Value{K: KindString}) || (Value{}).S() != "" {
		t.Fatal("the empty string is not payload 0")
	}
}
