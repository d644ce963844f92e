package eval

import (
	"fmt"
	"slices"
	"sync/atomic"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/value"
)

// Persistence without re-deriving. A persistence rule `r(x..) :+ r(x..)`
// carries every fact of r into the next tick, and its garbage-collected
// form `r(x..) :+ r(x..), !done(k), (filter)` every fact that passes the
// negations and filters. Evaluated like other rules, each would re-derive
// all of r into the outbox every tick: a hash insert per stored fact, then
// a sort. Instead the tick hands r's rows to the next State as the tick
// holds them (a sorted run and a tail, rel.go) when the rule carries them
// all (`.persist r`), and for a garbage-collected r takes its rows in
// canonical order and keeps those that pass; either is shared, unless
// other :+ rules add to r (then the two sorted runs are merged). When r
// gained and lost nothing in the tick, the next State's r is the very
// slice of the State the tick started from, so comparing the two States
// (has the node's carried state changed?) costs a pointer comparison for
// it.

// carryRule is a persistence rule evaluated as a filter over its
// relation's sorted rows.
type carryRule struct {
	rule *analysis.Rule
	rel  string
	slot int   // rel's place in engine.carried
	pl   *plan // atom first; nil when every row is carried (Persist kind)
	keep bool  // set by pl's sink: the row passed
	// neg and negN, for the common `r(x..) :+ r(x..), !done(x1..xn)`
	// whose done names r's first n columns in order (no filter): the rows
	// dropped are r's runs under done's keys, found by galloping from
	// done's sorted rows (carriedByKeys) instead of probing done once per
	// row of r. negN is 0 otherwise.
	neg  string
	negN int
}

// asCarryRule reports whether r is a persistence rule that carryRule can
// evaluate: its body is one atom over the head's relation with distinct
// variables, in the head's order, plus negated atoms and filters only.
func asCarryRule(r *analysis.Rule) (*carryRule, bool) {
	if r.Kind == analysis.Persist {
		return &carryRule{rule: r, rel: r.Head.Rel}, true
	}
	if r.Kind != analysis.NextTick || r.Head.HasAggregate || r.Head.At != nil {
		return nil, false
	}
	atom := -1
	for i := range r.Body {
		switch r.Body[i].Kind {
		case analysis.LitAtom:
			if atom >= 0 {
				return nil, false
			}
			atom = i
		case analysis.LitNegated, analysis.LitFilter:
		default:
			return nil, false
		}
	}
	if atom < 0 {
		return nil, false
	}
	l := &r.Body[atom]
	if l.Rel != r.Head.Rel || len(l.Args) != len(r.Head.Args) {
		return nil, false
	}
	seen := make([]bool, len(r.Vars))
	for i, t := range l.Args {
		h := r.Head.Args[i].Term
		if t.Op != analysis.TermVar || seen[t.Var] || h == nil || h.Op != analysis.TermVar || h.Var != t.Var {
			return nil, false
		}
		seen[t.Var] = true
	}
	c := &carryRule{rule: r, rel: r.Head.Rel}
	if len(r.Body) == 2 {
		n := &r.Body[1-atom]
		prefix := n.Kind == analysis.LitNegated && n.Rel != l.Rel && len(n.Args) > 0 && len(n.Args) <= len(l.Args)
		for i := 0; prefix && i < len(n.Args); i++ {
			prefix = n.Args[i].Op == analysis.TermVar && n.Args[i].Var == l.Args[i].Var
		}
		if prefix {
			c.neg, c.negN = n.Rel, len(n.Args)
		}
	}
	return c, true
}

// carriedByKeys is carried for a rule with negN > 0, given done's rows
// (sorted, distinct): r's rows are sorted, so the rows under one key of
// done are a run, found by galloping on from the previous run; the rows
// between the runs are kept. Same results as the plan: the negation holds
// exactly when no row of done equals the row's first negN values. The
// runs are found first (into e's scratch), then kept and dropped rows are
// copied as blocks into one buffer, kept first, as carried lays them out.
func (c *carryRule) carriedByKeys(sorted, done []value.Tuple, runs []int) (kept, dropped []value.Tuple, scratch []int) {
	n := c.negN
	runs = runs[:0] // start, end of each dropped run
	ndrop, scan := 0, 0
	for _, key := range done {
		if scan == len(sorted) {
			break
		}
		start := gallop(sorted, scan, key, n)
		if start == len(sorted) || compareTuples(sorted[start][:n], key) != 0 {
			scan = start
			continue
		}
		end := start + 1
		for end < len(sorted) && compareTuples(sorted[end][:n], key) == 0 {
			end++
		}
		runs = append(runs, start, end)
		ndrop += end - start
		scan = end
	}
	if len(runs) == 0 {
		return sorted, nil, runs
	}
	buf := make([]value.Tuple, len(sorted))
	k, d, pos := 0, len(sorted)-ndrop, 0
	for i := 0; i < len(runs); i += 2 {
		start, end := runs[i], runs[i+1]
		k += copy(buf[k:], sorted[pos:start])
		d += copy(buf[d:], sorted[start:end])
		pos = end
	}
	k += copy(buf[k:], sorted[pos:])
	return buf[:k:k], buf[k:], runs
}

// gallop returns the first i >= from with rows[i][:n] >= key (or
// len(rows)), rows sorted: an exponential search from from, so that keys
// close together cost a few comparisons each, not a bisection of the rest.
func gallop(rows []value.Tuple, from int, key value.Tuple, n int) int {
	lo, bound := from, 1
	for lo+bound <= len(rows) && compareTuples(rows[lo+bound-1][:n], key) < 0 {
		lo += bound // rows[from:lo] are all below key
		bound <<= 1
	}
	hi := min(lo+bound, len(rows))
	for lo < hi { // bisect [lo, hi)
		m := int(uint(lo+hi) >> 1)
		if compareTuples(rows[m][:n], key) < 0 {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// compileCarry compiles c's filter plan (the atom, then the rest of the
// rule in plan order). Its first step is only used to bind the row.
func (e *engine) compileCarry(c *carryRule) error {
	if c.rule.Kind == analysis.Persist {
		return nil
	}
	r := c.rule
	order := make([]int, 0, len(r.Plan))
	for _, li := range r.Plan {
		if r.Body[li].Kind == analysis.LitAtom {
			order = append([]int{li}, order...)
		} else {
			order = append(order, li)
		}
	}
	pl, err := e.compilePlan(r, order, true)
	if err != nil {
		return err
	}
	pl.sink = func() error { c.keep = true; return nil }
	c.pl = pl
	return nil
}

// carried returns the rows of sorted (a relation's rows in canonical
// order) that c carries to the next tick, in order (sorted itself when
// all pass), and those it drops, in order (nil when none): the drops are
// the relation's change from the tick to the next State when c is the
// only rule that carries it (carryAll), so nothing has to diff the two.
//
// Both come out of one allocation: kept rows fill buf from the front,
// dropped ones from the back (then reversed into order). kept is capped,
// so nothing appends over the drops; the caller clears them once the
// tick is done with them (releaseDrops), so a State that keeps the
// buffer does not keep the dropped tuples alive.
func (c *carryRule) carried(sorted []value.Tuple) (kept, dropped []value.Tuple, err error) {
	if c.pl == nil {
		return sorted, nil, nil
	}
	s0 := &c.pl.steps[0]
	c.pl.forceTables()
	var buf []value.Tuple
	k, d := 0, len(sorted)
	for i, row := range sorted {
		c.keep = false
		if s0.match(row, c.pl.env) {
			if err := c.pl.run(1); err != nil {
				return nil, nil, err
			}
		}
		switch {
		case c.keep && buf != nil:
			buf[k] = row
			k++
		case !c.keep:
			if buf == nil {
				buf = make([]value.Tuple, len(sorted))
				k = copy(buf, sorted[:i])
			}
			d--
			buf[d] = row
		}
	}
	if buf == nil {
		return sorted, nil, nil
	}
	dropped = buf[d:]
	slices.Reverse(dropped)
	return buf[:k:k], dropped, nil
}

// carriedRel is one relation's carry result in a tick (engine.carried,
// one per relation that carry rules carry, in the order they first
// appear): the union of the rules' kept rows, and, when exactly one rule
// carries it, the rows it dropped (nil: unknown, several rules).
type carriedRel struct {
	name  string
	rows  rel
	drops []value.Tuple
	rules int // carry rules that carried it this tick
	// fresh lists the rows the outbox added that rows lacked, when
	// freshKnown (outbox.result, unionNext): with drops, the relation's
	// change from the tick to the next State (unionDiffs).
	fresh      []value.Tuple
	freshKnown bool
}

// carryAll evaluates the carry rules over the tick's facts into
// e.carried, firing those that carry something. For a relation that
// exactly one carry rule carries and no outbox rule adds to, the next
// State's rows are that rule's kept rows, so its change from the tick is
// known without a merge: nothing added, the dropped rows removed. It is
// recorded for nextDiff (e.diffs), which incremental aggregates,
// maintained relations and persistent indexes ask for.
func (e *engine) carryAll(facts relSet) error {
	for i := range e.carried {
		e.carried[i] = carriedRel{name: e.carried[i].name}
	}
	for _, c := range e.carry {
		p := &e.carried[c.slot]
		if c.pl == nil {
			// Every row carried: the tick's rows as they are, run and
			// tail (rel.go), the next State's unless other rules add.
			r := facts.get(c.rel)
			if len(r.rows) > 0 {
				e.w.fire(c.rule)
			}
			p.rules++
			p.drops = []value.Tuple{}
			p.rows = unionRels(p.rows, r)
			continue
		}
		var kept, dropped []value.Tuple
		var err error
		rows, done := facts.get(c.rel).sorted(), []value.Tuple(nil)
		if c.negN > 0 {
			done = facts.get(c.neg).sorted()
		}
		if c.negN > 0 && len(done) <= len(rows) {
			// Fewer keys than rows (else probing done per row is
			// cheaper): bisect r for each key.
			kept, dropped, e.runs = c.carriedByKeys(rows, done, e.runs)
		} else if kept, dropped, err = c.carried(rows); err != nil {
			return err
		}
		if len(kept) > 0 {
			e.w.fire(c.rule)
		}
		if len(dropped) > 0 {
			e.drops = append(e.drops, dropped)
		}
		p.rules++
		p.drops = dropped
		if dropped == nil {
			p.drops = []value.Tuple{} // known: nothing dropped
		}
		p.rows = unionRels(p.rows, flatRel(kept))
	}
	for i := range e.carried {
		p := &e.carried[i]
		if p.rules != 1 || (e.out.next[p.name] != nil && len(e.out.next[p.name].rows) > 0) {
			continue
		}
		if e.diffs == nil {
			e.diffs = map[string]dDelta{}
		}
		e.diffs[p.name] = dDelta{ok: true, del: p.drops}
	}
	return nil
}

// unionDiffs records, for nextDiff, the change from the tick to the next
// State of each relation that one carry rule carried and the outbox added
// to, when the union worked out the rows it added (fresh): the dropped
// rows left, the fresh ones came, and a row dropped and added again is
// no change. Without it every such relation's diff was a scan of both
// versions, and a relation kept as a run and a tail, a merge of each.
func (e *engine) unionDiffs() {
	for i := range e.carried {
		p := &e.carried[i]
		if p.rules != 1 || !p.freshKnown || p.drops == nil {
			continue
		}
		if e.diffs == nil {
			e.diffs = map[string]dDelta{}
		}
		if len(p.drops) == 0 {
			e.diffs[p.name] = dDelta{ok: true, add: p.fresh}
			continue
		}
		drops := slices.SortedFunc(slices.Values(p.drops), compareTuples)
		add, del := diffSorted(drops, p.fresh)
		e.diffs[p.name] = dDelta{ok: true, add: add, del: del}
	}
}

// releaseDrops clears the dropped rows carried left at the back of the
// buffers whose fronts the next State keeps (see carried), once the tick
// no longer needs them.
func (e *engine) releaseDrops() {
	for _, d := range e.drops {
		clear(d)
	}
	e.drops = e.drops[:0]
}

// unionRels is unionSorted for rels: either one as it is when the other
// is empty, else their sorted forms merged.
func unionRels(a, b rel) rel {
	if len(a.rows) == 0 {
		return b
	}
	if len(b.rows) == 0 {
		return a
	}
	return flatRel(unionSorted(a.sorted(), b.sorted()))
}

// unionSorted merges two sorted, distinct runs into one, dropping
// duplicates; it returns one of them unchanged when the other is empty.
func unionSorted(a, b []value.Tuple) []value.Tuple {
	if len(a) == 0 {
		return b
	}
	if len(b) == 0 {
		return a
	}
	out := make([]value.Tuple, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch c := compareTuples(a[i], b[j]); {
		case c < 0:
			out = append(out, a[i])
			i++
		case c > 0:
			out = append(out, b[j])
			j++
		default:
			out = append(out, a[i])
			i, j = i+1, j+1
		}
	}
	out = append(append(out, a[i:]...), b[j:]...)
	return slices.Clip(out)
}

// checkCarryDiffs makes nextDiff check every change recorded ahead of it
// (carryAll) against diffSorted, panicking on a difference. Tests set
// it; it costs a merge per relation and tick.
var checkCarryDiffs atomic.Bool

func checkDiff(rel string, d dDelta, cur, next []value.Tuple) {
	add, del := diffSorted(cur, next)
	if !sameRows(add, d.add) || !sameRows(del, d.del) {
		panic(fmt.Sprintf("%s: recorded change +%v -%v, the rows differ by +%v -%v", rel, d.add, d.del, add, del))
	}
}

func sameRows(a, b []value.Tuple) bool {
	return slices.EqualFunc(a, b, value.Tuple.Equal)
}
