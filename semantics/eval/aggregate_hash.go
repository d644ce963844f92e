package eval

import (
	"slices"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/syntax"
	"github.com/dsim-project/dsim/semantics/value"
)

// aggScratch holds the buffers of aggregate rules. Nothing in them
// outlives one evalOnce (head tuples are copied when stored), so one engine
// reuses them across rules and ticks; trim, at the start of each tick,
// drops them when the last tick used only a small part of them (one big
// tick must not tax the small ones after it).
type aggScratch struct {
	n       int // rows collected
	peak    int // largest slab length in the current tick
	slab    []value.Value
	rows    [][]value.Value
	keySlab []value.Value
	keys    []value.Tuple
	index   openSet
	seen    openSet
	gid     []int32
	kept    [][]value.Value
	ordered [][]value.Value
	starts  []int
	fill    []int
	order   []int
	outs    []headOut
	tuples  []value.Value
	scratch []value.Value
	shapes  []*aggShape // by rule ID; nil until the rule is first aggregated
}

// aggShape is what aggregateHashed works out once per rule: the row
// slots, and whether the body's bindings are distinct on them already.
type aggShape struct {
	slots    []int
	distinct bool
}

func (a *aggScratch) trim() {
	if cap(a.slab) > max(4096, 4*a.peak) {
		*a = aggScratch{shapes: a.shapes}
	}
	a.peak = 0
}

// collectRows runs an aggregate rule's body and returns its bindings, in
// the engine's scratch storage.
func (e *engine) collectRows(pl *plan) ([][]value.Value, error) {
	a := &e.agg
	a.n, a.slab = 0, a.slab[:0]
	if pl.sink == nil {
		pl.sink = func() error {
			if a.n >= e.w.lim.MaxFacts {
				return e.w.limitErr("MaxFacts", e.w.lim.MaxFacts)
			}
			a.slab = append(a.slab, pl.env...)
			a.n++
			return nil
		}
	}
	if err := pl.start(); err != nil {
		return nil, err
	}
	width := len(pl.env)
	rows := a.rows[:0]
	for i := 0; i < a.n; i++ {
		rows = append(rows, a.slab[i*width:(i+1)*width:(i+1)*width])
	}
	a.rows = rows
	a.peak = max(a.peak, len(a.slab))
	return rows, nil
}

// aggregateHashed is Tick's aggregation: the same head tuples as aggregate
// (which Naive keeps as the reference), computed by hashing rows into
// groups instead of sorting every row. Rows are deduplicated over the
// rule's row slots by hashing unless the body makes duplicates impossible;
// groups are found through an open-addressing table over their keys and
// made contiguous by a counting sort. Choices.Choose is called in sorted
// group order, as aggregate does, so a stateful Choices sees the same
// calls. The result is free of duplicates but, unless the head numbers
// rows with index(), not sorted: Tick's tables put it in order anyway.
func (e *engine) aggregateHashed(r *analysis.Rule, rows [][]value.Value) ([]headOut, error) {
	w, a := e.w, &e.agg
	if r.ID >= len(a.shapes) {
		a.shapes = append(a.shapes, make([]*aggShape, r.ID+1-len(a.shapes))...)
	}
	shape := a.shapes[r.ID]
	if shape == nil {
		shape = &aggShape{slots: rowSlots(r), distinct: rowsDistinct(r)}
		a.shapes[r.ID] = shape
	}
	slots := shape.slots
	if !shape.distinct {
		rows = a.dedupRows(rows, slots)
	}
	at := r.Head.At != nil

	// Group ids by hashing each row's key.
	slab := a.keySlab[:0]
	keys := a.keys[:0]
	index := &a.index
	index.reset()
	gid := a.gid[:0]
	kept := a.kept[:0]
	for _, row := range rows {
		start := len(slab)
		if at {
			d, ok, err := w.destination(r.Head.At, row)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
			slab = append(slab, value.AddrOf(d))
		}
		dropped := false
		for _, gi := range r.Head.GroupBy {
			if term := r.Head.Args[gi].Term; term.Op == analysis.TermVar {
				slab = append(slab, row[term.Var])
				continue
			}
			v, ok, err := w.evalTerm(r.Head.Args[gi].Term, row)
			if err != nil {
				return nil, err
			}
			if !ok {
				dropped = true
				break
			}
			slab = append(slab, v)
		}
		if dropped {
			slab = slab[:start]
			continue
		}
		key := value.Tuple(slab[start:len(slab):len(slab)])
		tag := tagOf(hashTuple(key))
		g := -1
		if len(index.slots) > 0 {
			mask := uint32(len(index.slots) - 1)
			for i := tag & mask; index.slots[i].row != 0; i = (i + 1) & mask {
				if sl := index.slots[i]; sl.tag == tag && keys[sl.row-1].Equal(key) {
					g = int(sl.row - 1)
					break
				}
			}
		}
		if g < 0 {
			g = len(keys)
			keys = append(keys, key)
			index.add(tag, g)
		} else {
			slab = slab[:start] // the group's key is stored already
		}
		gid = append(gid, int32(g))
		kept = append(kept, row)
	}
	a.keySlab, a.keys, a.gid, a.kept = slab, keys, gid, kept

	// Counting sort: each group's rows become one run of ordered, in
	// their original relative order.
	starts := resize(a.starts, len(keys)+1)
	clear(starts)
	for _, g := range gid {
		starts[g+1]++
	}
	for g := range keys {
		starts[g+1] += starts[g]
	}
	fill := append(a.fill[:0], starts[:len(keys)]...)
	ordered := resize(a.ordered, len(kept))
	a.starts, a.fill, a.ordered = starts, fill, ordered
	for i, g := range gid {
		ordered[fill[g]] = kept[i]
		fill[g]++
	}

	var chooseVars []int
	hasIndex := false
	for _, a := range r.Head.Args {
		if a.Agg == nil {
			continue
		}
		switch a.Agg.Func {
		case syntax.AggChoose:
			chooseVars = append(chooseVars, a.Agg.Vars...)
		case syntax.AggIndex:
			hasIndex = true
		}
	}
	order := resize(a.order, len(keys))
	a.order = order
	for g := range order {
		order[g] = g
	}
	if len(chooseVars) > 0 {
		slices.SortFunc(order, func(a, b int) int { return compareTuples(keys[a], keys[b]) })
	}

	outs := a.outs[:0]
	tupleSlab := resize(a.tuples, len(keys)*len(r.Head.Args))
	a.tuples = tupleSlab
	scratch := a.scratch
	for n, g := range order {
		key := keys[g]
		grows := ordered[starts[g]:starts[g+1]]
		var out headOut
		groupKey := key
		if at {
			out.To = key[0].Addr()
			groupKey = key[1:]
		}
		var chosen []value.Value
		if len(chooseVars) > 0 {
			cands := distinctTuples(grows, chooseVars)
			// A copy: groupKey lives in scratch storage, and a Choices
			// implementation may keep the tuple it is given.
			k := w.ch.Choose(r.ID, slices.Clone(groupKey), len(cands))
			if k < 0 || k >= len(cands) {
				return nil, w.errorf(r.Pos, "Choices.Choose returned %d for %d candidates", k, len(cands))
			}
			chosen = cands[k]
		}
		t := value.Tuple(tupleSlab[n*len(r.Head.Args) : (n+1)*len(r.Head.Args) : (n+1)*len(r.Head.Args)])
		gi, ci := 0, 0
		if at {
			gi = 1
		}
		for i, a := range r.Head.Args {
			if a.Agg == nil {
				t[i] = key[gi]
				gi++
				continue
			}
			switch a.Agg.Func {
			case syntax.AggChoose:
				if len(a.Agg.Vars) != 1 {
					return nil, w.errorf(r.Pos, "choose takes one variable")
				}
				t[i] = chosen[ci]
				ci++
			case syntax.AggIndex:
				// Numbered below, after sorting: clear what a previous
				// use of the scratch storage left here.
				t[i] = value.Value{}
			case syntax.AggCount:
				if a.Agg.Star || len(grows) == 1 {
					t[i] = value.Int(int64(len(grows)))
				} else if len(a.Agg.Vars) == 1 {
					scratch = scratch[:0]
					for _, row := range grows {
						scratch = append(scratch, row[a.Agg.Vars[0]])
					}
					t[i] = value.Int(int64(countDistinct(scratch)))
				} else {
					t[i] = value.Int(int64(len(distinctTuples(grows, a.Agg.Vars))))
				}
			default:
				v, err := w.aggValue(r, a.Agg, grows)
				if err != nil {
					return nil, err
				}
				t[i] = v
			}
		}
		out.Tuple = t
		outs = append(outs, out)
	}
	a.outs, a.scratch = outs, scratch
	if hasIndex {
		slices.SortFunc(outs, compareHeadOut)
		return numberRows(w, r, outs)
	}
	return outs, nil
}

// countDistinct sorts vals and counts its distinct values.
func countDistinct(vals []value.Value) int {
	slices.SortFunc(vals, value.Value.Compare)
	n := 0
	for i := range vals {
		if i == 0 || vals[i] != vals[i-1] {
			n++
		}
	}
	return n
}

// rowsDistinct reports whether one evaluation of r's body can only yield
// bindings that differ on the row slots: every positive atom binds all its
// columns (no wildcard hides a column), and no built-in may yield the same
// binding twice. Bindings then correspond one to one to combinations of
// distinct stored rows, and filters, assignments and negations only drop
// or extend them.
func rowsDistinct(r *analysis.Rule) bool {
	for i := range r.Body {
		l := &r.Body[i]
		switch l.Kind {
		case analysis.LitBuiltin:
			return false
		case analysis.LitAtom:
			for _, t := range l.Args {
				if t.Op == analysis.TermWildcard {
					return false
				}
			}
		}
	}
	return true
}

// resize returns buf with length n, reusing its storage when it is large
// enough (the contents are not cleared).
func resize[T any](buf []T, n int) []T {
	if cap(buf) < n {
		return make([]T, n)
	}
	return buf[:n]
}

// dedupRows drops rows equal to an earlier one on slots, keeping order.
// Rows are compacted in place (the slice is the scratch rows buffer).
func (a *aggScratch) dedupRows(rows [][]value.Value, slots []int) [][]value.Value {
	set := &a.seen
	set.reset()
	out := rows[:0]
	for _, row := range rows {
		h := uint64(hashSeed)
		for _, s := range slots {
			h = hashVal(h, row[s])
		}
		tag := tagOf(h)
		dup := false
		if len(set.slots) > 0 {
			mask := uint32(len(set.slots) - 1)
			for i := tag & mask; set.slots[i].row != 0; i = (i + 1) & mask {
				if sl := set.slots[i]; sl.tag == tag && sameSlots(out[sl.row-1], row, slots) {
					dup = true
					break
				}
			}
		}
		if !dup {
			set.add(tag, len(out))
			out = append(out, row)
		}
	}
	return out
}

func sameSlots(a, b []value.Value, slots []int) bool {
	for _, s := range slots {
		if a[s] != b[s] {
			return false
		}
	}
	return true
}
