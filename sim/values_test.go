package sim

import (
	"slices"
	"strings"
	"testing"

	"github.com/dsim-project/dsim/semantics/eval"
	"github.com/dsim-project/dsim/semantics/value"
)

func bucket(v int64, m int64) int64 { return eval.Hash(value.Int(v)).I % m }

// The hash set's interesting rules (collisions, numCollisions > 0,
// inconsistent) need two values in one bucket of hash(v) % 8. The default
// workload must produce such a pair in most 3-request runs.
func TestDefaultWorkloadsCollideInHashBuckets(t *testing.T) {
	prog := loadProgram(t, "corpus/hashset/base.ded", "")
	colliding := 0
	const seeds = 200
	for seed := uint64(0); seed < seeds; seed++ {
		w, err := GenerateOpenLoop(prog, nil, seed, OpenLoop{Requests: 3})
		if err != nil {
			t.Fatal(err)
		}
		var vs []int64
		for _, e := range w {
			vs = append(vs, e.Fact.Tuple[0].I)
		}
		if len(vs) != 3 || len(slices.Compact(slices.Sorted(slices.Values(vs)))) != 3 {
			t.Fatalf("seed %d: want 3 distinct ids without --repeats, got %v", seed, vs)
		}
		found := false
		for i := range vs {
			for j := i + 1; j < len(vs); j++ {
				found = found || bucket(vs[i], 8) == bucket(vs[j], 8)
			}
		}
		if found {
			colliding++
		}
	}
	if colliding*2 < seeds {
		t.Fatalf("only %d of %d workloads have two values in one hash bucket; want most", colliding, seeds)
	}
	t.Logf("%d of %d workloads collide", colliding, seeds)
}

// The default domain holds the program's constants and their neighbours,
// and hash partners of 1 and 2 for each modulus.
func TestDefaultDomainFromProgram(t *testing.T) {
	prog := loadProgram(t, "c.ded", `
component a {
  .input in(id: int, v: int)
  .output out(id: int)
  out(id) :- in(id, v), (v > 41), (v % 5 == 0).
}`)
	d := DefaultValueDomains(prog, nil)
	if len(d) != 2 || d[0].Rel != "in" || d[1].Col != 1 {
		t.Fatalf("domains %v, want one per int column of in", d)
	}
	vals := d[1].Values
	for _, want := range []int64{0, 1, 2, 3, 40, 41, 42, 4, 5, 6, 7} {
		if !slices.Contains(vals, want) {
			t.Errorf("domain %v lacks %d", vals, want)
		}
	}
	for _, u := range []int64{1, 2} {
		if !slices.ContainsFunc(vals, func(v int64) bool { return v > 3 && v != u && bucket(v, 5) == bucket(u, 5) }) {
			t.Errorf("domain %v has no hash partner of %d modulo 5", vals, u)
		}
	}
	if !slices.Equal(d[1].Moduli, []int64{5}) {
		t.Errorf("moduli %v, want [5]", d[1].Moduli)
	}
}

func TestParseValueDomains(t *testing.T) {
	prog := loadProgram(t, "corpus/voting/base.ded", "")
	d, err := ParseValueDomains(prog, "request.payload=0..3; request.1=7,5,5")
	if err != nil {
		t.Fatal(err)
	}
	if got := d.String(); got != "request.2=0,1,2,3; request.1=5,7" {
		t.Fatalf("got %q", got)
	}
	for spec, want := range map[string]string{
		"request.x=1..2":    "Spec.Values: column 9: request has no column \"x\" (columns: id, payload)",
		"reply.id=1":        "Spec.Values: column 1: reply is not an .input relation",
		"request.id=3..1":   "Spec.Values: column 12: range 3..1 is empty",
		"request.id=1,a":    "Spec.Values: column 12: \"a\" is not an integer",
		"request.id":        "Spec.Values: column 1: \"request.id\" has no '='",
		" ; request=1":      "Spec.Values: column 4: \"request\" does not name a column as rel.col",
		"request.id=0..1e9": "is not a range",
	} {
		_, err := ParseValueDomains(prog, spec)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want %q", spec, err, want)
		}
	}
}

// --values fixes the domain: ids stay in it (reused once used up), and the
// payload column draws only from its list.
func TestValuesAndRepeats(t *testing.T) {
	prog := loadProgram(t, "corpus/voting/base.ded", "")
	vals, err := ParseValueDomains(prog, "request.id=0..1; request.payload=7,9")
	if err != nil {
		t.Fatal(err)
	}
	w, err := GenerateOpenLoop(prog, nil, 3, OpenLoop{Requests: 20, Values: vals})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range w {
		id, p := e.Fact.Tuple[0].I, e.Fact.Tuple[1].I
		if id < 0 || id > 1 || (p != 7 && p != 9) {
			t.Fatalf("%s is outside the domains %s", e, vals)
		}
	}
	// All duplicates: every request after the first repeats it.
	w, _ = GenerateOpenLoop(prog, nil, 3, OpenLoop{Requests: 5, Repeats: Repeats{Duplicate: 100}})
	for _, e := range w {
		if e.Fact.Compare(w[0].Fact) != 0 {
			t.Fatalf("dup=100: %s differs from %s", e.Fact, w[0].Fact)
		}
	}
	// All retries: one id, payloads drawn afresh.
	w, _ = GenerateOpenLoop(prog, nil, 3, OpenLoop{Requests: 30, Repeats: Repeats{Retry: 100}})
	payloads := map[int64]bool{}
	for _, e := range w {
		if e.Fact.Tuple[0].I != w[0].Fact.Tuple[0].I {
			t.Fatalf("retry=100: id of %s differs from %s", e.Fact, w[0].Fact)
		}
		payloads[e.Fact.Tuple[1].I] = true
	}
	if len(payloads) < 2 {
		t.Fatalf("retry=100: every retry had the same payload")
	}
	if _, err := ParseRepeats("dup=60 retry=50"); err == nil {
		t.Fatal("dup+retry > 100 accepted")
	}
	if r, err := ParseRepeats("dup=5,retry=7"); err != nil || r != (Repeats{5, 7}) {
		t.Fatalf("got %v, %v", r, err)
	}
}

// A closed-loop client whose request has id 0 is answered and goes on
// (0 used to mean "nothing outstanding").
func TestClosedLoopIDZero(t *testing.T) {
	prog := loadProgram(t, "corpus/voting/base.ded", "")
	vals, _ := ParseValueDomains(prog, "request.id=0,5")
	res, err := Run(prog, Config{Seed: 1, Closed: &ClosedLoop{Clients: 1, Requests: 2, Values: vals}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.History.Inputs) != 2 {
		t.Fatalf("the client sent %d requests, want 2: %v", len(res.History.Inputs), res.History.Inputs)
	}
}

// Generated workloads are a function of the seed.
func TestWorkloadDeterministic(t *testing.T) {
	prog := loadProgram(t, "corpus/2pc/base.ded", "")
	a, _ := GenerateOpenLoop(prog, nil, 9, OpenLoop{Requests: 8, Repeats: Repeats{10, 15}})
	b, _ := GenerateOpenLoop(prog, nil, 9, OpenLoop{Requests: 8, Repeats: Repeats{10, 15}})
	if a.String() != b.String() {
		t.Fatalf("same seed, different workloads:\n%s\n%s", a, b)
	}
}
