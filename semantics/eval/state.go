package eval

import (
	"sync/atomic"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/value"
)

// A State is what a node carries from one tick into the next: the facts
// of its :+ and persistence rules. It is an immutable value: a tick reads
// it and makes a new one (Result.State), sharing with it every relation
// that did not change, so keeping thousands of States alive (the
// checker's snapshots, a world per explored branch) costs only what
// changed between them. Any number of ticks may start from one State,
// concurrently; they give the same Results.
//
// A nil *State is the empty state.
type State struct {
	rels relSet // never modified (rel.go: a sorted run and a short tail each)
	// flat caches Facts (every relation in canonical form), made on
	// first use.
	flat atomic.Pointer[FactSet]
	// prog is the program whose tick made the State (nil for NewState):
	// its facts were checked against that program's relations, so ticks
	// of the same program do not check them again.
	prog *analysis.Program
	// memo holds the state-derived relations a tick from this State
	// found (memo.go), published by the first such tick.
	memo memoSlot
	// aggs holds, per eligible aggregate rule, its groups over this
	// State's relation (incragg.go): set by the tick that made the
	// State, or published by the first tick from it. The map is never
	// modified once stored (a new one replaces it) and only looked up.
	aggs atomic.Pointer[aggMemos]
	// maint holds the maintained relations' values with their
	// derivation counts (maint.go): set by the tick that made the State,
	// or published by the first tick from it (which evaluates them in
	// full). Never modified once stored.
	maint atomic.Pointer[maintMemos]
	// ix holds the persistent indexes over the State's relations, by
	// relation (stateidx.go): set by the tick that made the State, or
	// added to by ticks from it. The map is never modified once stored.
	ix atomic.Pointer[map[string]*ixHolder]
	// tips offers the room behind a relation's rows to the first tick
	// that appends to it (rowtip.go); set by the tick that made the State.
	tips map[string]*rowTip
	// outs is the Outputs and Violations of the tick that made the
	// State, for the next tick to reuse (result.go); nil when not kept.
	outs *outCache
	// n caches Len()+1 (0: not counted yet); ticks ask for it often.
	n atomic.Int64
}

// NewState returns a State holding carried (copied into canonical form:
// sorted, distinct, no empty relations). Its facts are checked against
// the program by every tick that starts from it; Evaluator.NewState
// checks them once.
func NewState(carried FactSet) *State {
	return &State{rels: relSetOf(Normalize(carried))}
}

// NewState returns a State of ev's program holding carried, checked
// against the program's relations (an unknown relation, a wrong arity or
// a column of the wrong type is an error), in canonical form.
func (ev *Evaluator) NewState(carried FactSet) (*State, error) {
	facts := Normalize(carried)
	st := &State{rels: relSetOf(facts), prog: ev.prog}
	st.flat.Store(&facts)
	for _, name := range sortedKeys(facts) {
		for _, t := range facts[name] {
			if err := checkFact(ev.prog, value.Fact{Rel: name, Tuple: t}, func() string { return "NewState: " }, "carried"); err != nil {
				return nil, err
			}
		}
	}
	return st, nil
}

// Facts returns the State's facts by relation, each slice sorted and
// distinct. The FactSet and its tuples are shared: do not modify them.
// It is made on the first call (a relation with a tail is merged then,
// once: rel.go); Len and Equal do not need it.
func (s *State) Facts() FactSet {
	if s == nil {
		return nil
	}
	if p := s.flat.Load(); p != nil {
		return *p
	}
	fs := s.rels.flat()
	if s.flat.CompareAndSwap(nil, &fs) {
		return fs
	}
	return *s.flat.Load()
}

// relOf returns relation name's rows in s (empty when absent).
func (s *State) relOf(name string) rel {
	if s == nil {
		return rel{}
	}
	return s.rels.get(name)
}

// Len returns the number of facts in the State.
func (s *State) Len() int {
	if s == nil {
		return 0
	}
	if n := s.n.Load(); n > 0 {
		return int(n - 1)
	}
	n := 0
	for _, e := range s.rels.ents {
		n += len(e.r.rows)
	}
	s.n.Store(int64(n + 1)) // facts never change: every tick counts the same
	return n
}

// Equal reports whether s and t hold the same facts. Relations a tick
// left unchanged share their storage, so comparing a State with its
// successor mostly compares slice headers; a relation that differs only
// in its layout (run and tail) is compared in canonical form.
func (s *State) Equal(t *State) bool {
	var a, b relSet
	if s != nil {
		a = s.rels
	}
	if t != nil {
		b = t.rels
	}
	if a.len() != b.len() {
		return false
	}
	for i, e := range a.ents { // both sorted by name
		if f := b.ents[i]; f.name != e.name || !sameRel(e.r, f.r) {
			return false
		}
	}
	return true
}

// equalFactSets compares two canonical FactSets (empty relations absent).
func equalFactSets(a, b FactSet) bool {
	if len(a) != len(b) {
		return false
	}
	for name, as := range a {
		bs, ok := b[name]
		if !ok || !sameTuples(as, bs) {
			return false
		}
	}
	return true
}

// sameTuples compares two sorted, distinct relations, shortcutting when
// they share their storage.
func sameTuples(a, b []value.Tuple) bool {
	if len(a) != len(b) {
		return false
	}
	if len(a) == 0 || &a[0] == &b[0] {
		return true
	}
	for i := range a {
		if !a[i].Equal(b[i]) {
			return false
		}
	}
	return true
}

// GoString prints the State's facts in canonical order (so that %#v of a
// Result shows contents, not an address).
func (s *State) GoString() string {
	if s == nil {
		return "(*eval.State)(nil)"
	}
	b := []byte("eval.State{")
	facts := s.Facts()
	for i, name := range sortedKeys(facts) {
		for j, t := range facts[name] {
			if i > 0 || j > 0 {
				b = append(b, ", "...)
			}
			b = append(b, value.Fact{Rel: name, Tuple: t}.String()...)
		}
	}
	return string(append(b, '}'))
}
