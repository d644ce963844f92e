package eval

import (
	"slices"
	"sort"
	"strings"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/value"
)

// outbox collects what a tick produces beyond its own facts: the facts of
// :+ and persistence rules for the next tick and the messages of :~
// rules, each deduplicated. Tick and Naive share it.
type outbox struct {
	w     *world
	next  map[string]*table
	sends map[string]*table // column 0 is the destination address; table.sentBy per row
	count int
	slab  *slab // Tick's shared first storage (nil for Naive)

	// Tick reuses an engine's outbox, so its tables stay from tick to tick
	// (emptied by init) and are kept sorted by name as they appear,
	// sparing the result a sort of map keys and a look-up per table.
	nextTabs, sendTabs []*table
	row                value.Tuple     // scratch message row; the table copies it
	src                [][]value.Tuple // scratch: the reported relations' rows (result)
	// grown lists the next State's relations that result made (or
	// extended in place) with room behind their rows (unionNext), for
	// nextTips; cleared by the next result.
	grown []grownRel

	// The program's .output and .invariant relations, in name order,
	// listed once per program (reported, for result).
	repProg  *analysis.Program
	reported []*analysis.Relation
}

// reportedRels returns the .output and .invariant relations of o's
// program, sorted by name.
func (o *outbox) reportedRels() []*analysis.Relation {
	if o.repProg != o.w.prog {
		o.repProg, o.reported = o.w.prog, nil
		for _, rel := range o.w.prog.Relations {
			if rel.Output || rel.Invariant {
				o.reported = append(o.reported, rel)
			}
		}
	}
	return o.reported
}

// init prepares the outbox for a tick in world w. A reused outbox (Tick's
// engines) keeps its tables, emptied by resetTables.
func (o *outbox) init(w *world) {
	o.w, o.count, o.slab = w, 0, nil // Tick reuses engines: start from zero, count included
	if o.next == nil {
		o.next = map[string]*table{}
		o.sends = map[string]*table{}
	}
}

// resetTables empties the outbox's tables for the next tick (see
// table.reset: rows a Result shares are dropped, never overwritten) and
// returns what their first storage will take from the slab.
func (o *outbox) resetTables() (vals, rows int) {
	for _, tb := range o.nextTabs {
		v, r := tb.reset()
		vals, rows = vals+v, rows+r
	}
	for _, tb := range o.sendTabs {
		v, r := tb.reset()
		vals, rows = vals+v, rows+r
		tb.sentBy = tb.sentBy[:0]
	}
	return vals, rows
}

// sinkFor returns where rule r's head tuples go: the next tick's facts for
// :+ and persistence rules, messages for :~ rules. The sink finds its
// table once: an outbox keeps its tables for its whole life.
func (o *outbox) sinkFor(r *analysis.Rule) func(headOut) error {
	var tb *table
	if r.Kind == analysis.Async {
		return func(h headOut) error {
			o.w.fire(r)
			if tb == nil {
				tb = o.outTable(o.sends, &o.sendTabs, r.Head.Rel, len(h.Tuple)+1)
			}
			return o.send(tb, r, h)
		}
	}
	return func(h headOut) error {
		o.w.fire(r)
		if tb == nil {
			tb = o.outTable(o.next, &o.nextTabs, r.Head.Rel, len(h.Tuple))
		}
		if tb.insert(h.Tuple) {
			return o.bump()
		}
		return nil
	}
}

func (o *outbox) bump() error {
	o.count++
	if o.count > o.w.lim.MaxFacts {
		return o.w.limitErr("MaxFacts", o.w.lim.MaxFacts)
	}
	return nil
}

// outTable returns the table of rel in m, creating it (and recording it
// in tabs, in name order) on first use.
func (o *outbox) outTable(m map[string]*table, tabs *[]*table, rel string, arity int) *table {
	tb := m[rel]
	if tb == nil {
		tb = newTable(rel, arity)
		tb.slab = o.slab
		m[rel] = tb
		i, _ := slices.BinarySearchFunc(*tabs, rel, func(t *table, rel string) int { return strings.Compare(t.name, rel) })
		*tabs = slices.Insert(*tabs, i, tb)
	}
	return tb
}

// send records the message h of rule r in tb, the table of its relation.
func (o *outbox) send(tb *table, r *analysis.Rule, h headOut) error {
	o.row = append(append(o.row[:0], value.AddrOf(h.To)), h.Tuple...)
	row := o.row
	if tb.insert(row) {
		tb.sentBy = append(tb.sentBy, r.ID)
		return o.bump()
	}
	i := tb.find(row)
	tb.sentBy[i] = min(tb.sentBy[i], r.ID)
	return nil
}

// result assembles the canonical Result from the tick's facts and, for
// Tick, the facts its persistence rules carry (persisted, one per
// relation: sorted and distinct; nil for Naive, which derives them into the outbox).
// from is the State the tick started from when it is of this program (nil
// for Naive): its tick's Outputs and Violations are reused when they list
// the same rows (outCache).
func (o *outbox) result(facts relSet, persisted []carriedRel, derived int, from *State) (*Result, error) {
	nnext, nsends, nout, nviol := 0, 0, 0, 0
	for _, tb := range o.nextTabs {
		if len(tb.rows) > 0 {
			nnext++
		}
	}
	// The Result and the cache of its FactSet in one allocation.
	both := &struct {
		res Result
		fc  factsCache
	}{res: Result{facts: facts, Derived: derived, Fired: o.w.firedIDs()}}
	res := &both.res
	res.fcache = &both.fc
	next := newRelSet(nnext + len(persisted))
	for _, tb := range o.nextTabs {
		if len(tb.rows) > 0 {
			next.set(tb.name, flatRel(tb.sortedRows()))
		}
	}
	clear(o.grown)
	o.grown = o.grown[:0]
	for i := range persisted {
		p := &persisted[i]
		if len(p.rows.rows) == 0 {
			continue
		}
		added := next.rowsOf(p.name)
		more := p.rows
		if len(added) > 0 {
			var tip *rowTip
			if from != nil {
				tip = from.tips[p.name]
			}
			var own []value.Tuple
			more, own, p.fresh, p.freshKnown = unionNext(p.rows, added, tip)
			if own != nil {
				o.grown = append(o.grown, grownRel{p.name, own})
			}
		}
		// The outbox counted its own rows; count those the union added.
		o.count += len(more.rows) - len(added)
		next.set(p.name, more)
	}
	if o.count > o.w.lim.MaxFacts {
		return nil, o.w.limitErr("MaxFacts", o.w.lim.MaxFacts)
	}
	res.State = &State{rels: next, prog: o.w.prog}
	for _, tb := range o.sendTabs {
		nsends += len(tb.rows)
	}
	if nsends > 0 {
		res.Sends = make([]Message, 0, nsends)
	}
	for _, tb := range o.sendTabs {
		for i, row := range tb.rows {
			// Stored rows are never mutated or reused (a table drops
			// them on reset), so the message shares the row's tail.
			res.Sends = append(res.Sends, Message{
				To:   row[0].Addr(),
				Fact: value.Fact{Rel: tb.name, Tuple: row[1:]},
				Rule: tb.sentBy[i],
			})
		}
	}
	slices.SortFunc(res.Sends, compareMessages)
	reported := o.reportedRels()
	if c := from.outCacheFor(reported, facts); c != nil {
		// Every .output and .invariant relation is the very slice the
		// State's own tick listed: so are the lists (shared; a Result's
		// slices are never modified).
		res.Outputs, res.Violations = c.outputs, c.violations
		res.State.outs = c
		return res, nil
	}
	src := o.src[:0] // scratch; copied into the cache if one is kept
	for _, rel := range reported {
		rows := facts.get(rel.Name).sorted()
		src = append(src, rows)
		if rel.Output {
			nout += len(rows)
		}
		if rel.Invariant {
			nviol += len(rows)
		}
	}
	o.src = src
	if nout > 0 {
		res.Outputs = make([]value.Fact, 0, nout)
	}
	if nviol > 0 {
		res.Violations = make([]value.Fact, 0, nviol)
	}
	for i, rel := range reported { // sorted by name
		for _, t := range src[i] {
			f := value.Fact{Rel: rel.Name, Tuple: t}
			if rel.Output {
				res.Outputs = append(res.Outputs, f)
			}
			if rel.Invariant {
				res.Violations = append(res.Violations, f)
			}
		}
	}
	// Only a tick from a State can reuse the lists, and only lists that
	// cost more to make than a cache does are worth keeping.
	if from != nil && nout+nviol >= outCacheMin {
		res.State.outs = &outCache{src: slices.Clone(src), outputs: res.Outputs, violations: res.Violations}
	}
	clear(o.src) // the scratch keeps no rows alive
	return res, nil
}

// grownRel is a next State's relation and the whole array result wrote
// it into: its rows, then room (sortedsets.go).
type grownRel struct {
	name string
	own  []value.Tuple
}

// outCache is what a tick listed as Outputs and Violations, kept in the
// State it made, with the rows it listed them from: the tick's slice of
// each .output and .invariant relation, in the program's relation order.
// A relation a tick leaves unchanged keeps its very slice (loaded, shared,
// given back by sortedRows), so the next tick that finds every such slice
// the same lists nothing: a node that stores its outputs (a leader's
// decisions) no longer pays a list of all of them per tick.
type outCache struct {
	src                 [][]value.Tuple
	outputs, violations []value.Fact
}

// outCacheMin is the shortest Outputs and Violations, together, that a
// State keeps: shorter lists cost less to make than the cache (and a
// small tick's outputs change every tick anyway).
const outCacheMin = 16

// outCacheFor returns the State's outCache when facts holds exactly its
// rows of the reported relations (outbox.reportedRels), by slice
// identity, which implies equal contents: rows are never modified, and an
// array a cache points to is not reused. Else nil.
func (s *State) outCacheFor(reported []*analysis.Relation, facts relSet) *outCache {
	if s == nil || s.outs == nil {
		return nil
	}
	for i, rel := range reported {
		// A relation with a tail is compared by its sorted form, made
		// once per rel and shared by the ticks that leave it unchanged.
		a, b := facts.get(rel.Name).sorted(), s.outs.src[i]
		if len(a) != len(b) || len(a) > 0 && &a[0] != &b[0] {
			return nil
		}
	}
	return s.outs
}

func compareMessages(a, b Message) int {
	if c := a.To.Compare(b.To); c != 0 {
		return c
	}
	return a.Fact.Compare(b.Fact)
}

// sortedCopy returns the rows sorted and deduplicated, in a new slice.
// The tuples themselves are shared: nothing mutates a tuple once stored.
func sortedCopy(rows []value.Tuple) []value.Tuple {
	out := slices.Clone(rows)
	slices.SortFunc(out, compareTuples)
	return slices.CompactFunc(out, value.Tuple.Equal)
}

// compareTuples is value.Tuple.Compare with the common all-int case
// inlined (sorting results is a large share of a big tick).
func compareTuples(t, u value.Tuple) int {
	n := min(len(t), len(u))
	for i := 0; i < n; i++ {
		a, b := &t[i], &u[i]
		if a.K == value.KindInt && b.K == value.KindInt {
			if a.I != b.I {
				if a.I < b.I {
					return -1
				}
				return 1
			}
			continue
		}
		if c := a.Compare(*b); c != 0 {
			return c
		}
	}
	return len(t) - len(u)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Normalize returns the FactSet with every relation's tuples sorted and
// deduplicated and empty relations removed.
func Normalize(fs FactSet) FactSet {
	out := FactSet{}
	for name, rows := range fs {
		if len(rows) > 0 {
			out[name] = sortedCopy(rows)
		}
	}
	return out
}
