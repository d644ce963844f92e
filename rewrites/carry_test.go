package rewrites

import (
	"strings"
	"testing"
)

// Maximum carries (carry.go): r recomputed every tick as the maximum of
// itself and the inputs has a no-change dependency; each refused case is a
// counterexample (r changes in ticks without inputs) or, for the join
// (best driven by an input), outside the shape the argument covers.
func TestMaxCarry(t *testing.T) {
	head := "component c {\n  .input a(n: int, p: int)\n  .output out(n: int, p: int)\n  out(n, p) :- a(n, _), last(n, p).\n"
	for _, c := range []struct {
		name, rules string
		nochange    bool
	}{
		{"BasePaxos's promise (lexicographic maximum)", "cand(n, p) :- last(n, p).\n  cand(n, p) :- a(n, p).\n  candN(max(n)) :- cand(n, _).\n  best(n, max(p)) :- cand(n, p), candN(n).\n  last(n, p) :+ best(n, p).", true},
		{"a seed from an input", "last(0, 0) :- a(_, 9).\n  cand(n, p) :- last(n, p).\n  cand(n, p) :- a(n, p).\n  candN(max(n)) :- cand(n, _).\n  best(n, max(p)) :- cand(n, p), candN(n).\n  last(n, p) :+ best(n, p).", true},
		{"a sum, not a selection", "cand(n, p) :- last(n, p).\n  cand(n, p) :- a(n, p).\n  best(n, sum(p)) :- cand(n, p).\n  last(n, p) :+ best(n, p).", false},
		{"a step, not a copy", "cand(n, q) :- last(n, p), q = p + 1.\n  cand(n, p) :- a(n, p).\n  candN(max(n)) :- cand(n, _).\n  best(n, max(p)) :- cand(n, p), candN(n).\n  last(n, p) :+ best(n, p).", false},
		{"a projection of the wrong column", "cand(n, p) :- last(n, p).\n  cand(n, p) :- a(n, p).\n  candP(max(p)) :- cand(_, p).\n  best(n, max(p)) :- cand(n, p), candP(n).\n  last(n, p) :+ best(n, p).", false},
		{"a maximum per group", "cand(n, p) :- last(n, p).\n  cand(n, p) :- a(n, p).\n  best(n, max(p)) :- cand(n, p).\n  last(n, p) :+ best(n, p).", true},
		{"a maximum per group with a step", "cand(n, q) :- last(n, p), q = p + 1.\n  cand(n, p) :- a(n, p).\n  best(n, max(p)) :- cand(n, p).\n  last(n, p) :+ best(n, p).", false},
		{"a maximum per group of a join", "cand(n, p) :- last(n, p).\n  cand(n, p) :- a(n, p).\n  best(n, max(p)) :- cand(n, p), a(n, _).\n  last(n, p) :+ best(n, p).", false},
	} {
		p := prog(t, head+"  "+c.rules+"\n}")
		rules := p.Component("c").Rules
		if got := contains(StateDependencies(p, rules).NoChange, "last"); got != c.nochange {
			t.Errorf("%s: no-change dependency of last = %v, want %v", c.name, got, c.nochange)
		}
	}
}

// Start flags (carry.go): true in tick 0 only, treated as an input; not
// when the record is not persisted (the flag would come back every other
// tick) or records something the flag does not read.
func TestStartFlags(t *testing.T) {
	head := "component c {\n  .input a(x: int)\n  .output out(x: int)\n  nodes(count(x)) :- c(x).\n  out(x) :- a(x), v(x).\n  v(x) :+ v(x), !a(_).\n  v(0) :- first().\n  v(x) :+ a(x).\n"
	for _, c := range []struct {
		name, rules string
		start       string
	}{
		{"the idiom", "first() :- nodes(_), !started().\n  started() :+ nodes(_).\n  .persist started", "first"},
		{"the record is not persisted", "first() :- nodes(_), !started().\n  started() :+ nodes(_).", ""},
		{"the record reads another relation", "first() :- nodes(_), !started().\n  started() :+ a(_).\n  .persist started", ""},
	} {
		p := prog(t, head+"  "+c.rules+"\n}")
		if got := strings.Join(StateDependencies(p, p.Component("c").Rules).Start, ","); got != c.start {
			t.Errorf("%s: start flags %q, want %q", c.name, got, c.start)
		}
	}
}
