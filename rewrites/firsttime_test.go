package rewrites

import "testing"

// First derivations (firsttime.go): "derive a fact the first time a
// stable condition holds" has an existence dependency when the condition
// reads strictly no-change relations only and the negated record persists
// (plainly) every fact the rule derives; each case below breaks one of
// those, and the relation then has none (so a C2 outputting it is no state
// machine).
func TestFirstDerivation(t *testing.T) {
	head := "component c {\n  .input vote(slot: int, v: int, src: int)\n  .output out(slot: int, v: int)\n" +
		"  votes(slot, v, src) :- vote(slot, v, src).\n  .persist votes\n  n(slot, v, count(src)) :- votes(slot, v, src).\n" +
		"  out(slot, v) :- now(slot, v).\n"
	for _, c := range []struct {
		name, rules string
		exist       bool
	}{
		{"the Paxos idiom", "now(slot, v) :- n(slot, v, k), (k >= 2), !done(slot).\n  done(slot) :+ now(slot, _).\n  .persist done", true},
		{"recording the whole fact", "now(slot, v) :- n(slot, v, k), (k >= 2), !done(slot, v).\n  done(s, w) :+ now(s, w).\n  .persist done", true},
		{"the record is not persisted", "now(slot, v) :- n(slot, v, k), (k >= 2), !done(slot).\n  done(slot) :+ now(slot, _).", false},
		{"the record persists with a GC condition", "now(slot, v) :- n(slot, v, k), (k >= 2), !done(slot).\n  done(slot) :+ now(slot, _).\n  done(s) :+ done(s), !vote(s, _, _).", false},
		{"the record keeps another column", "now(slot, v) :- n(slot, v, k), (k >= 2), !done(slot).\n  done(v) :+ now(_, v).\n  .persist done", false},
		{"the record keeps another relation", "now(slot, v) :- n(slot, v, k), (k >= 2), !done(slot).\n  done(slot) :+ votes(slot, _, 1).\n  .persist done", false},
		{"the condition negates an input", "now(slot, v) :- n(slot, v, k), (k >= 2), !done(slot), !vote(slot, _, _).\n  done(slot) :+ now(slot, _).\n  .persist done", false},
		{"the condition reads a relation that changes after inputs", "late(slot) :+ vote(slot, _, _).\n  .persist late\n  now(slot, v) :- n(slot, v, _), late(slot), !done(slot).\n  done(slot) :+ now(slot, _).\n  .persist done", false},
		{"the condition reads persisted state with a GC condition", "kept(slot) :- vote(slot, _, _).\n  kept(s) :+ kept(s), !vote(s, 9, _).\n  now(slot, v) :- n(slot, v, _), kept(slot), !done(slot).\n  done(slot) :+ now(slot, _).\n  .persist done", false},
	} {
		p := prog(t, head+"  "+c.rules+"\n}")
		rules := p.Component("c").Rules
		got := contains(StateDependencies(p, rules).Existence, "now")
		if got != c.exist {
			t.Errorf("%s: existence dependency of now = %v, want %v", c.name, got, c.exist)
		}
		if ok, v := IsStateMachine(p, rules); ok != c.exist {
			t.Errorf("%s: state machine = %v (%+v), want %v", c.name, ok, v, c.exist)
		}
	}
}
