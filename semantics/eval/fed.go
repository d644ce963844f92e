package eval

import (
	"slices"
	"sync/atomic"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/value"
)

// Outbox rules fed by a change (the logging idiom of the paper's
// programs). The 2PC coordinator writes a log record and, once it is
// flushed, acts on it:
//
//	cCommitLog(id) :+ allYes(id).              .persist cCommitLog
//	cCommitFlushed(id) :+ allYes(id), !cCommitLog(id).
//
// allYes holds every transaction ever decided, so evaluated in full the
// first rule derives all of it into the outbox every tick (only to be
// merged with the persisted log, which already holds all but the newest)
// and the second scans all of it to find the few not yet logged.
//
// A pair is a rule `h(x..) :+ b(x..)` (one atom, distinct variables, the
// head the same variables in the same order) whose h is persisted by a
// `.persist h` and whose b is a maintained relation (maint.go), so that
// its change from a State to the tick is known (dd1). A State may hold
// the pair's invariant: b's value at the State, b(S), is contained in
// h_S. Then in a tick from S, where b_T = b(S) less dd1.del plus dd1.add:
//
//   - the pair's rule derives, of b_T, only dd1.add: the rest is in b(S),
//     so in h_S, which `.persist h` carries into the next State anyway;
//   - a rule of the outbox with an atom b(y..) of distinct variables and
//     a negated !h(y..) over the same variables in the same order (the
//     flushed rule, a message sent once) has no binding through a row of
//     b(S) (h_T holds it), so it is evaluated with b's atom scanning
//     dd1.add only, and derives exactly what the full path would.
//
// Either way the next State's h holds b_T. The next State holds the
// invariant when, besides, the rows b gains between the tick and the next
// State (dd2.add: a :+ rule adding to what b reads) are in its h; a State
// that does not hold it (or has no maintained memos: a NewState, a small
// State, a tick that could not maintain b) gets the full path, which
// re-establishes it. Which States hold it is recorded in their
// maintMemos (fed, a bit per pair), so it is as immutable as they are.
//
// The results do not change: the pair's rule fires whenever b has rows,
// as on the full path (Result.Fired), the outbox counts the same facts
// once the carried rows are merged in (MaxFacts), and the rules fed
// have no literal that can fail at run time (atoms, negated atoms and
// component enumerations; head terms are variables and constants). A
// destination can (an address that names no node): a fed rule that meets
// an error is evaluated again on the full path, which reports it as the
// rest of the evaluator does.

// fedPair is a rule h(x..) :+ b(x..) over a persisted h.
type fedPair struct {
	rule *analysis.Rule
	b, h string
}

// fedRule is an outbox rule that can be evaluated from b's change.
type fedRule struct {
	rule *analysis.Rule
	pair int  // its pair in fedPlan.pairs
	atom int  // body position of b's atom
	log  bool // the pair's own rule
	pl   *plan
}

// fedPlan is the component's pairs and fed rules, worked out once per
// engine (after splitRules).
type fedPlan struct {
	done   bool
	pairs  []fedPair
	rules  []*fedRule // by position in engine.toOutbox; nil: not fed
	maintB uint64     // pairs whose b is maintained (set once mplan exists)
	maintK bool       // maintB is worked out
}

// fedTicks counts the rules evaluated from a change, for the tests (it
// reaches no result).
var fedTicks atomic.Int64

// planFed finds the pairs among the outbox rules and the rules each can
// feed.
func (e *engine) planFed() {
	fp := &e.fed
	fp.done = true
	persisted := map[string]bool{}
	for _, r := range e.comp.Rules {
		if r.Kind == analysis.Persist {
			persisted[r.Head.Rel] = true
		}
	}
	fp.rules = make([]*fedRule, len(e.toOutbox))
	for i, r := range e.toOutbox {
		if len(fp.pairs) < 64 && isFedPair(r) && persisted[r.Head.Rel] {
			fp.rules[i] = &fedRule{rule: r, pair: len(fp.pairs), atom: 0, log: true}
			fp.pairs = append(fp.pairs, fedPair{rule: r, b: r.Body[0].Rel, h: r.Head.Rel})
		}
	}
	if len(fp.pairs) == 0 {
		return
	}
	for i, r := range e.toOutbox {
		if fp.rules[i] != nil || !fedSafe(r) {
			continue
		}
		for pi, p := range fp.pairs {
			if atom := fedNegated(r, p); atom >= 0 {
				fp.rules[i] = &fedRule{rule: r, pair: pi, atom: atom}
				break
			}
		}
	}
}

// isFedPair reports whether r is `h(x..) :+ b(x..)`: one atom of distinct
// variables over another relation, the head the same variables in order.
func isFedPair(r *analysis.Rule) bool {
	if r.Kind != analysis.NextTick || r.Head.HasAggregate || r.Head.At != nil || len(r.Body) != 1 {
		return false
	}
	l := &r.Body[0]
	if l.Kind != analysis.LitAtom || l.Rel == r.Head.Rel || len(l.Args) != len(r.Head.Args) || !distinctVars(l.Args) {
		return false
	}
	for i, a := range r.Head.Args {
		if a.Term == nil || a.Term.Op != analysis.TermVar || a.Term.Var != l.Args[i].Var {
			return false
		}
	}
	return true
}

// fedSafe reports whether no binding of r can fail at run time: a :+ or
// :~ rule without aggregates whose head terms (and destination) are
// variables or constants and whose body has only atoms, negated atoms
// and component enumerations. Evaluated from a change, such a rule meets
// the same bindings that reach its head as on the full path, and no
// others that could fail.
func fedSafe(r *analysis.Rule) bool {
	if r.Kind != analysis.NextTick && r.Kind != analysis.Async || r.Head.HasAggregate {
		return false
	}
	plain := func(t *analysis.Term) bool { return t.Op == analysis.TermVar || t.Op == analysis.TermConst }
	if r.Head.At != nil && !plain(r.Head.At) {
		return false
	}
	for _, a := range r.Head.Args {
		if a.Term == nil || !plain(a.Term) {
			return false
		}
	}
	for i := range r.Body {
		switch l := &r.Body[i]; l.Kind {
		case analysis.LitAtom, analysis.LitNegated:
		case analysis.LitBuiltin:
			if analysis.LookupBuiltin(l.Rel) != nil {
				return false // a function-like built-in (hash, concat, ...)
			}
		default:
			return false
		}
	}
	return true
}

// fedNegated returns the body position of r's atom b(y..) (distinct
// variables) when r also has the negated atom !h(y..) of pair p, over the
// same variables in the same order; else -1.
func fedNegated(r *analysis.Rule, p fedPair) int {
	for i := range r.Body {
		a := &r.Body[i]
		if a.Kind != analysis.LitAtom || a.Rel != p.b || !distinctVars(a.Args) {
			continue
		}
		for j := range r.Body {
			n := &r.Body[j]
			if n.Kind == analysis.LitNegated && n.Rel == p.h && slices.EqualFunc(n.Args, a.Args, func(x, y analysis.Term) bool { return x.Op == analysis.TermVar && x.Var == y.Var }) {
				return i
			}
		}
	}
	return -1
}

func distinctVars(args []analysis.Term) bool {
	for i, t := range args {
		if t.Op != analysis.TermVar {
			return false
		}
		for _, u := range args[:i] {
			if u.Var == t.Var {
				return false
			}
		}
	}
	return true
}

// outboxRules evaluates the outbox rules (:+ rules other than carry
// rules, :~ rules) into the outbox, those fed by a change from it when
// the State holds their pair's invariant.
func (e *engine) outboxRules() error {
	fp := &e.fed
	if !fp.done {
		e.planFed()
	}
	valid := e.fedValid()
	for i, r := range e.toOutbox {
		if fr := fp.rules[i]; fr != nil && valid&(1<<fr.pair) != 0 {
			if d := e.dd1[fp.pairs[fr.pair].b]; d.ok {
				if e.fedRun(fr, d.add) == nil {
					fedTicks.Add(1)
					continue
				}
				// An error (a destination that names no node): the
				// full path meets it too and reports the first failing
				// binding in plan order; what the fed path put into the
				// outbox is a part of what it derives.
			}
		}
		if err := e.evalOnce(r, true); err != nil {
			return err
		}
	}
	return nil
}

// fedValid returns the pairs whose invariant the tick's State holds and
// whose b is maintained in this tick.
func (e *engine) fedValid() uint64 {
	fp := &e.fed
	if len(fp.pairs) == 0 || !e.mt.on || e.mt.from == nil {
		return 0
	}
	e.fedMaintained()
	return e.mt.from.fed & fp.maintB
}

// fedMaintained works out, once per engine, which pairs' b is a
// maintained relation (e.mplan, which exists once a tick maintained).
func (e *engine) fedMaintained() {
	fp := &e.fed
	if !fp.maintK {
		fp.maintK = true
		for pi, p := range fp.pairs {
			if e.mplan.byRel(p.b) != nil {
				fp.maintB |= 1 << pi
			}
		}
	}
}

// fedRun evaluates fr with b's atom scanning rows (b's rows gained since
// the State).
func (e *engine) fedRun(fr *fedRule, rows []value.Tuple) error {
	r := fr.rule
	if fr.log {
		if t := e.tables[r.Body[0].Rel]; t != nil && len(t.rows) > 0 {
			e.w.fire(r) // as the full path does, deriving b's rows again
		}
	}
	if len(rows) == 0 {
		return nil
	}
	if fr.pl == nil {
		order := []int{fr.atom}
		for _, li := range r.Plan {
			if li != fr.atom {
				order = append(order, li)
			}
		}
		pl, err := e.compilePlan(r, order, true)
		if err != nil {
			return err
		}
		pl.sink = e.rowSink(pl, e.out.sinkFor(r))
		fr.pl = pl
	}
	s0 := &fr.pl.steps[0]
	s0.useSrc, s0.src = true, rows
	err := fr.pl.start()
	s0.src = nil
	return err
}

// fedNext records in the next State's maintained memos which pairs'
// invariant it holds: every pair's rule put b_T into the next State's h
// (this tick evaluated it, in full or from the change); what b gains
// between the tick and the next State must be there too.
func (e *engine) fedNext(res *Result) {
	fp := &e.fed
	if len(fp.pairs) == 0 || !e.mt.on || !e.mt.used {
		return
	}
	mm := res.State.maint.Load()
	if mm == nil {
		return
	}
	e.fedMaintained()
	var bits uint64
	for pi, p := range fp.pairs {
		if fp.maintB&(1<<pi) == 0 {
			continue
		}
		if d := e.dd2[p.b]; d.ok && relContainsAll(res.State.rels.get(p.h), d.add) {
			bits |= 1 << pi
		}
	}
	if bits != mm.fed {
		c := *mm // shares the memos, never modified
		c.fed = bits
		res.State.maint.Store(&c)
	}
}

// relContainsAll reports whether every row of sub (sorted) is in r, a
// run and a tail, without merging them (a union kept as a run and a tail,
// sortedsets.go, would be merged on every tick).
func relContainsAll(r rel, sub []value.Tuple) bool {
	if r.flat == nil {
		return containsAll(r.rows, sub)
	}
	in := lookupIn(r)
	for _, t := range sub {
		if !in.has(t) {
			return false
		}
	}
	return true
}

// containsAll reports whether every row of sub (sorted) is in rows
// (sorted).
func containsAll(rows, sub []value.Tuple) bool {
	lo := 0
	for _, t := range sub {
		i, found := slices.BinarySearchFunc(rows[lo:], t, compareTuples)
		if !found {
			return false
		}
		lo += i + 1
	}
	return true
}
