package sim

import "testing"

// Parsers of user input never panic, and whatever they accept prints in a
// canonical form that parses back to itself.

func FuzzParseFaultPlan(f *testing.F) {
	for _, s := range []string{"crash a[0] at=1", "omission random f=1 p=0.3 until=5; duplicate p=0.1", "partition a[0] | b[1],b[2] from=1 to=9", "omission x[0] p=1e-3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParseFaultPlan(s)
		if err != nil {
			return
		}
		q, err := ParseFaultPlan(p.String())
		if err != nil || q.String() != p.String() {
			t.Fatalf("%q -> %q does not parse back: %v", s, p.String(), err)
		}
	})
}

func FuzzParseWorkload(f *testing.F) {
	f.Add("@1 in(1, \"x\", a[2]) -> a[0] client=3\n@0 in(-5) -> b[1]")
	f.Fuzz(func(t *testing.T, s string) {
		w, err := ParseWorkload("w", s)
		if err != nil {
			return
		}
		v, err := ParseWorkload("w", w.String())
		if err != nil || v.String() != w.String() {
			t.Fatalf("%q -> %q does not parse back: %v", s, w.String(), err)
		}
	})
}

func FuzzParseSchedule(f *testing.F) {
	f.Add("dsim schedule v1\nseed 3\ndelay hold:0.5:4\nfaults crash a[0] at=3\ninput @0 in(1) -> a[0]\nchoice send m1 @0 a[0] -> b[0] f(1) => delay 2\n")
	f.Fuzz(func(t *testing.T, s string) {
		sc, err := ParseSchedule("s", s)
		if err != nil {
			return
		}
		again, err := ParseSchedule("s", sc.String())
		if err != nil || again.String() != sc.String() {
			t.Fatalf("does not parse back: %v\n%s", err, sc.String())
		}
	})
}
