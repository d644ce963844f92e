package eval

import (
	"maps"
	"slices"
	"sync/atomic"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/syntax"
	"github.com/dsim-project/dsim/semantics/value"
)

// Relations derived only from carried state are not recomputed while
// what they depend on is unchanged. A relation is state-derived when no
// fact of it or of anything it depends on can be delivered, and no rule
// on the way calls Choices (choose, index()): its facts in a tick are then
// a function of the node and of the State's relations it reads. The first
// tick from a State publishes them there (a memo); later ticks from that
// State, and from its successors while the relations the memo read are
// unchanged, load them instead of evaluating their rules. The checker and
// the simulator tick many times from one State, and protocols carry logs
// that most ticks leave alone, so this skips e.g. `votersNeeded(count(p))
// :- participant(p)` and invariants over logs on nearly every tick.
//
// Deliveries are checked at run time too: a tick that is given a fact of
// a relation the memo reads or holds neither uses nor makes a memo.

// memoPlan is a component's classification, made once per engine.
type memoPlan struct {
	derived []string        // state-derived relations with rules, sorted
	reads   map[string]bool // every relation they read or hold
	skip    []bool          // by rule ID: a rule of a state-derived relation
	// relOf gives, by rule ID, the position in derived of the rule's
	// head (-1: not state-derived).
	relOf []int
	// grows says, by position in derived, that the relation's memo may
	// be brought up to date when what it reads only gained rows (see
	// memoRel.from): its rules are plain and monotone (no aggregate, no
	// negation) over carried or static relations only, and it is not
	// carried itself.
	grows []bool
	// base lists, by position in derived, the relations the relation
	// reads (and itself), directly or through other state-derived
	// relations, sorted: while they are the same in two States its memo
	// carries from one to the other, whatever the others read.
	base [][]string
}

// stateMemo is what a tick from a State found for the state-derived
// relations, for the node it ran at: by position in memoPlan.derived, nil
// where the memo does not hold the relation (it is evaluated, and then
// the tick publishes a memo that holds it).
type stateMemo struct {
	node   value.Addr
	counts map[string]int // the node's topology, copied
	rels   []*memoRel
}

// memoRel is one state-derived relation's facts in the memo.
type memoRel struct {
	rows    []value.Tuple
	derived int   // facts its rules derived (Result.Derived's share)
	fired   []int // its rules that fired making it (Result.Fired's share, coverage.go)
	// older, when set, says the facts are those of an older State with
	// the relations from, whose relations the relation reads
	// (memoPlan.base) differ from this State's: a tick from this State
	// whose base relations only gained rows since from (memoPlan.grows)
	// loads rows and evaluates its rules from the gained rows alone
	// (memo_grow.go); otherwise it evaluates them in full.
	older bool
	from  relSet
}

// complete reports whether m holds every state-derived relation, each
// up to date.
func (m *stateMemo) complete() bool {
	for _, r := range m.rels {
		if r == nil || r.older {
			return false
		}
	}
	return true
}

func (m *stateMemo) fits(node Node) bool {
	return m.node == node.Addr && maps.Equal(m.counts, node.Topology.Counts)
}

// memoSlot holds a State's memo, read by any tick; published by the
// first tick from the State, and replaced only by a memo that holds more
// (the same facts for what both hold).
type memoSlot struct{ p atomic.Pointer[stateMemo] }

// planMemo classifies the component's relations.
func planMemo(comp *analysis.Component) *memoPlan {
	static := map[string]bool{}
	for _, f := range comp.Facts {
		static[f.Rel] = true
	}
	impure := map[string]bool{}
	for _, list := range [][]string{comp.ClientInputs, comp.Timers} {
		for _, r := range list {
			impure[r] = true
		}
	}
	for _, r := range comp.Inputs { // read, never derived here: delivered, unless static
		if !static[r] {
			impure[r] = true
		}
	}
	var syncRules []*analysis.Rule
	for _, r := range comp.Rules {
		if r.Kind != analysis.Sync {
			continue
		}
		syncRules = append(syncRules, r)
		for _, a := range r.Head.Args {
			if a.Agg != nil && (a.Agg.Func == syntax.AggChoose || a.Agg.Func == syntax.AggIndex) {
				impure[r.Head.Rel] = true
			}
		}
	}
	for changed := true; changed; { // at most one pass per relation
		changed = false
		for _, r := range syncRules {
			if impure[r.Head.Rel] {
				continue
			}
			for i := range r.Body {
				l := &r.Body[i]
				if (l.Kind == analysis.LitAtom || l.Kind == analysis.LitNegated) && impure[l.Rel] {
					impure[r.Head.Rel], changed = true, true
					break
				}
			}
		}
	}
	mp := &memoPlan{reads: map[string]bool{}}
	maxID := 0
	for _, r := range syncRules {
		maxID = max(maxID, r.ID)
	}
	mp.skip = make([]bool, maxID+1)
	for _, r := range syncRules {
		if impure[r.Head.Rel] {
			continue
		}
		mp.skip[r.ID] = true
		if !slices.Contains(mp.derived, r.Head.Rel) {
			mp.derived = append(mp.derived, r.Head.Rel)
		}
		mp.reads[r.Head.Rel] = true
		for i := range r.Body {
			if l := &r.Body[i]; l.Kind == analysis.LitAtom || l.Kind == analysis.LitNegated {
				mp.reads[l.Rel] = true
			}
		}
	}
	slices.Sort(mp.derived)
	mp.relOf = make([]int, maxID+1)
	for i := range mp.relOf {
		mp.relOf[i] = -1
	}
	// Each relation's base reads: its rules' literals, with a
	// state-derived one replaced by that relation's, to a fixpoint.
	direct := make([]map[string]bool, len(mp.derived))
	for i := range direct {
		direct[i] = map[string]bool{}
	}
	for _, r := range syncRules {
		i, ok := slices.BinarySearch(mp.derived, r.Head.Rel)
		if !ok {
			continue
		}
		mp.relOf[r.ID] = i
		for k := range r.Body {
			if l := &r.Body[k]; l.Kind == analysis.LitAtom || l.Kind == analysis.LitNegated {
				direct[i][l.Rel] = true
			}
		}
		direct[i][r.Head.Rel] = true // static facts of it, if any
	}
	for changed := true; changed; { // each pass adds a relation or stops
		changed = false
		for i := range direct {
			for name := range direct[i] { // order-free: a union
				j, ok := slices.BinarySearch(mp.derived, name)
				if !ok || j == i {
					continue
				}
				for x := range direct[j] {
					if !direct[i][x] {
						direct[i][x], changed = true, true
					}
				}
			}
		}
	}
	carried := map[string]bool{}
	for _, r := range comp.Rules {
		if r.Kind == analysis.NextTick || r.Kind == analysis.Persist {
			carried[r.Head.Rel] = true
		}
	}
	mp.grows = make([]bool, len(mp.derived))
	for i, name := range mp.derived {
		mp.grows[i] = !carried[name]
	}
	for _, r := range syncRules {
		i := mp.relOf[r.ID]
		if i < 0 {
			continue
		}
		if r.Head.HasAggregate {
			mp.grows[i] = false
		}
		for k := range r.Body {
			l := &r.Body[k]
			_, derived := slices.BinarySearch(mp.derived, l.Rel)
			if l.Kind == analysis.LitNegated || l.Kind == analysis.LitAtom && derived {
				mp.grows[i] = false
			}
		}
	}
	mp.base = make([][]string, len(mp.derived))
	for i, set := range direct {
		// State-derived relations stay in: one may also be carried
		// (`b(x) :- init(x).` with `.persist b`), and then the States
		// hold it; the others are in neither FactSet compared.
		for name := range set {
			mp.base[i] = append(mp.base[i], name)
		}
		slices.Sort(mp.base[i])
	}
	return mp
}

// memoUsable reports whether this tick may use or make a memo: none of
// its delivered facts touches what the memo reads or holds.
func (mp *memoPlan) usable(delivered []value.Fact) bool {
	if len(mp.derived) == 0 {
		return false
	}
	last := ""
	for _, f := range delivered {
		if f.Rel != last {
			if mp.reads[f.Rel] {
				return false
			}
			last = f.Rel
		}
	}
	return true
}

// skips reports whether rule r is skipped this tick (its facts come from
// the memo).
func (e *engine) skips(r *analysis.Rule) bool {
	if e.memoIn == nil || r.ID >= len(e.memo.relOf) {
		return false
	}
	i := e.memo.relOf[r.ID]
	return i >= 0 && e.memoIn.rels[i] != nil && !e.memoIn.rels[i].older
}

// loadMemo loads the relations a memo holds into this tick's tables.
func (e *engine) loadMemo(m *stateMemo) error {
	clear(e.growing)
	for i, name := range e.memo.derived {
		mr := m.rels[i]
		if mr == nil {
			continue
		}
		if mr.older {
			adds, ok := e.growthOf(i, mr.from)
			if !ok {
				continue // evaluated in full
			}
			if e.growing == nil {
				e.growing = make([]map[string][]value.Tuple, len(e.memo.derived))
			}
			e.growing[i] = adds
		}
		e.derived += mr.derived
		for _, id := range mr.fired {
			e.w.fire(e.w.prog.Rules[id])
		}
		if len(mr.rows) == 0 {
			continue
		}
		t, err := e.table(name, len(mr.rows[0]), syntax.Pos{})
		if err != nil {
			return err
		}
		before := t.size()
		t.loadSorted(mr.rows)
		e.facts += len(t.rows) - before
		if e.facts > e.w.lim.MaxFacts {
			return e.w.limitErr("MaxFacts", e.w.lim.MaxFacts)
		}
	}
	return nil
}

// makeMemo records this tick's state-derived relations: those of from
// (the memo the tick loaded, possibly nil) as they were, the others from
// the tick's facts; inputs holds the sizes of their tables once the
// tick's inputs were loaded (what is beyond was derived).
func (e *engine) makeMemo(from *stateMemo, facts relSet, inputs []int) *stateMemo {
	m := &stateMemo{node: e.w.node.Addr, counts: maps.Clone(e.w.node.Topology.Counts), rels: make([]*memoRel, len(e.memo.derived))}
	var fired, firedAll []int
	var store []memoRel // the new entries, in one allocation
	for i, name := range e.memo.derived {
		if from != nil && from.rels[i] != nil && !from.rels[i].older {
			m.rels[i] = from.rels[i]
			continue
		}
		if store == nil {
			fired = e.w.firedIDs()
			firedAll = make([]int, 0, len(fired))
			store = make([]memoRel, len(e.memo.derived))
		}
		rows := facts.get(name).sorted() // loaded by loadSorted: canonical order
		mr := &store[i]
		mr.rows, mr.derived = rows, len(rows)-inputs[i]
		if e.growing != nil && e.growing[i] != nil {
			// The older rows were loaded before the inputs: inputs[i]
			// counts them, and their derivations are the older memo's.
			mr.derived += from.rels[i].derived
		}
		start := len(firedAll)
		for _, id := range fired {
			if id < len(e.memo.relOf) && e.memo.relOf[id] == i {
				firedAll = append(firedAll, id) // within its capacity: no copy
			}
		}
		if len(firedAll) > start {
			mr.fired = firedAll[start:len(firedAll):len(firedAll)]
		}
		m.rels[i] = mr
	}
	return m
}

// carried returns the part of memo m, made for a State with facts from,
// that holds for a State with facts to: the relations whose base reads
// are the same in both (m itself when all are, nil when none is).
func (mp *memoPlan) carried(m *stateMemo, from, to relSet) *stateMemo {
	var out *stateMemo
	for i := range mp.derived {
		if m.rels[i] == nil || mp.carriesRel(i, from, to) {
			continue
		}
		if out == nil {
			out = &stateMemo{node: m.node, counts: m.counts, rels: slices.Clone(m.rels)}
		}
		out.rels[i] = nil
		if mp.grows[i] && !m.rels[i].older {
			g := *m.rels[i]
			g.older, g.from = true, from
			out.rels[i] = &g
		}
	}
	switch {
	case out == nil:
		return m
	case slices.ContainsFunc(out.rels, func(r *memoRel) bool { return r != nil }):
		return out
	}
	return nil
}

// carriesRel reports whether the memo of state-derived relation i (by
// position in derived) made for from is valid for to: the relations it
// reads are the same in both.
func (mp *memoPlan) carriesRel(i int, from, to relSet) bool {
	for _, name := range mp.base[i] {
		if !sameRel(from.get(name), to.get(name)) {
			return false
		}
	}
	return true
}
