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

// Lagged copies (laggedCopy): a next-tick rule over strictly no-change
// relations gives a no-change dependency, with or without persistence; over
// a relation that itself changes one tick after inputs, or over an input,
// it does not (the copy would change two ticks after the input, or with
// it). (A copy of itself through a maximum is a maximum carry:
// TestMaxCarry.) And an invariant output needs only a no-change dependency: it is
// a check over state, not an output (the last two cases: one over the
// lagged copy, one over a relation that changes every tick).
func TestLaggedCopyAndInvariants(t *testing.T) {
	head := "component c {\n  .input a(k: int)\n  .output out(k: int)\n  seen(k) :- a(k).\n  .persist seen\n  top(max(k)) :- seen(k).\n  out(k) :- a(k), last(k).\n"
	for _, c := range []struct {
		name, rules string
		nochange    bool
	}{
		{"a copy of strictly no-change state", "last(k) :+ top(k).", true},
		{"a persisted copy of strictly no-change state", "last(k) :+ top(k).\n  .persist last", true},
		{"a copy of state that changes after inputs", "late(k) :+ a(k).\n  .persist late\n  last(k) :+ late(k).", false},
		{"a copy that reads an input", "last(k) :+ top(k), !a(k).", false},
	} {
		p := prog(t, head+"  "+c.rules+"\n}")
		rules := p.Component("c").Rules
		if got := contains(StateDependencies(p, rules).NoChange, "last"); got != c.nochange {
			t.Errorf("%s: no-change dependency of last = %v, want %v", c.name, got, c.nochange)
		}
		if ok, _ := IsStateMachine(p, rules); ok != c.nochange {
			t.Errorf("%s: state machine = %v, want %v", c.name, ok, c.nochange)
		}
	}
	for _, c := range []struct {
		name, rules string
		sm          bool
	}{
		{"an invariant over no-change state", "last(k) :+ top(k).\n  bad(k) :- last(k), (k > 9).", true},
		{"an invariant over state that changes every tick", "last(k) :+ top(k).\n  flip(1) :+ !flip(1), seen(_).\n  bad(k) :- flip(k), seen(k).", false},
	} {
		p := prog(t, ".invariant bad(k: int)\n"+head+"  "+c.rules+"\n}")
		if ok, v := IsStateMachine(p, p.Component("c").Rules); ok != c.sm {
			t.Errorf("%s: state machine = %v (%+v), want %v", c.name, ok, v, c.sm)
		}
	}
}
