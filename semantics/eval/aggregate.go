package eval

import (
	"slices"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/syntax"
	"github.com/dsim-project/dsim/semantics/value"
)

// This file holds the head-side helpers shared by Tick and Naive (which
// variables make up a rule's rows, how a head tuple is built, index()
// numbering) and Naive's aggregation (aggregate): Tick aggregates with
// hashing instead (aggregate_hash.go), and the differential tests hold the
// two to the same head tuples.

// headOut is one head tuple, with its destination for :~ rules.
type headOut struct {
	To    value.Addr
	Tuple value.Tuple
}

func compareHeadOut(a, b headOut) int {
	if c := a.To.Compare(b.To); c != 0 {
		return c
	}
	return a.Tuple.Compare(b.Tuple)
}

// rowSlots lists, sorted, the variable slots that a rule's body binds: the
// variables of its positive atoms, built-ins and assignments. An aggregate
// rule's rows are the distinct bindings of these slots; variables that occur
// only in negated atoms are existential and not part of a row.
func rowSlots(r *analysis.Rule) []int {
	seen := make([]bool, len(r.Vars))
	for i := range r.Body {
		l := &r.Body[i]
		switch l.Kind {
		case analysis.LitAtom, analysis.LitBuiltin:
			for _, t := range l.Args {
				if t.Op == analysis.TermVar {
					seen[t.Var] = true
				}
			}
		case analysis.LitAssign:
			if l.Left.Op == analysis.TermVar {
				seen[l.Left.Var] = true
			}
		}
	}
	var out []int
	for s, ok := range seen {
		if ok {
			out = append(out, s)
		}
	}
	return out
}

// headTuple evaluates a non-aggregate head under env into buf. ok is false
// when the row is dropped (division by zero).
func (w *world) headTuple(r *analysis.Rule, env []value.Value, buf value.Tuple) (value.Tuple, bool, error) {
	buf = buf[:0]
	for i := range r.Head.Args {
		a := &r.Head.Args[i]
		if a.Term == nil {
			return nil, false, w.errorf(r.Pos, "aggregate in a head evaluated row by row")
		}
		if a.Term.Op == analysis.TermVar {
			buf = append(buf, env[a.Term.Var])
			continue
		}
		v, ok, err := w.evalTerm(a.Term, env)
		if !ok || err != nil {
			return nil, ok, err
		}
		buf = append(buf, v)
	}
	return buf, true, nil
}

// aggregate computes the head tuples of an aggregate rule from its rows
// (full binding slices; only the rowSlots of each matter). The result is
// sorted by destination, then tuple, and free of duplicates.
//
// Rows are first made distinct over the rule's row slots. Groups are keyed
// by the group-by head terms (and the @ destination for :~ rules).
// count(*) counts rows, count(x, ..) distinct values, sum/min/max run over
// rows, and all choose()s of the head take their values from one candidate:
// the distinct tuples of the chosen variables, sorted, of which
// Choices.Choose picks one. index() then numbers the distinct head tuples
// (sorted, then permuted by Choices.Order) from 0.
func (w *world) aggregate(r *analysis.Rule, rows [][]value.Value) ([]headOut, error) {
	slots := rowSlots(r)
	// Each row gets its group key (destination first for :~ rules, then
	// the group-by terms); sorting by (key, row) makes both the distinct
	// rows and the groups contiguous runs, in a deterministic order.
	type keyed struct {
		key value.Tuple
		row []value.Value
	}
	keyLen := len(r.Head.GroupBy)
	if r.Head.At != nil {
		keyLen++
	}
	slab := make([]value.Value, 0, keyLen*len(rows))
	recs := make([]keyed, 0, len(rows))
	for _, row := range rows {
		start := len(slab)
		if r.Head.At != nil {
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
		recs = append(recs, keyed{key: slab[start:len(slab):len(slab)], row: row})
	}
	cmpRecs := func(a, b keyed) int {
		if c := compareTuples(a.key, b.key); c != 0 {
			return c
		}
		for _, s := range slots {
			if c := a.row[s].Compare(b.row[s]); c != 0 {
				return c
			}
		}
		return 0
	}
	slices.SortFunc(recs, cmpRecs)
	recs = slices.CompactFunc(recs, func(a, b keyed) bool { return cmpRecs(a, b) == 0 })

	type group struct {
		to   value.Addr
		key  value.Tuple
		rows [][]value.Value
	}
	var groups []*group
	groupRows := make([][]value.Value, len(recs))
	for i, rec := range recs {
		groupRows[i] = rec.row
		if i == 0 || !rec.key.Equal(recs[i-1].key) {
			g := &group{key: rec.key}
			if r.Head.At != nil {
				g.to = rec.key[0].Addr()
			}
			groups = append(groups, g)
		}
		g := groups[len(groups)-1]
		if g.rows == nil {
			g.rows = groupRows[i:i:len(groupRows)]
		}
		g.rows = append(g.rows, rec.row)
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

	var outs []headOut
	for _, g := range groups {
		groupKey := g.key
		if r.Head.At != nil {
			groupKey = g.key[1:]
		}
		var chosen []value.Value
		if len(chooseVars) > 0 {
			cands := distinctTuples(g.rows, chooseVars)
			k := w.ch.Choose(r.ID, groupKey, len(cands))
			if k < 0 || k >= len(cands) {
				return nil, w.errorf(r.Pos, "Choices.Choose returned %d for %d candidates", k, len(cands))
			}
			chosen = cands[k]
		}
		t := make(value.Tuple, len(r.Head.Args))
		gi, ci := 0, 0
		if r.Head.At != nil {
			gi = 1
		}
		for i, a := range r.Head.Args {
			if a.Agg == nil {
				t[i] = g.key[gi]
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
				// numbered below
			default:
				v, err := w.aggValue(r, a.Agg, g.rows)
				if err != nil {
					return nil, err
				}
				t[i] = v
			}
		}
		outs = append(outs, headOut{To: g.to, Tuple: t})
	}
	slices.SortFunc(outs, compareHeadOut)
	outs = slices.CompactFunc(outs, func(a, b headOut) bool { return compareHeadOut(a, b) == 0 })
	if hasIndex {
		var err error
		if outs, err = numberRows(w, r, outs); err != nil {
			return nil, err
		}
		slices.SortFunc(outs, compareHeadOut)
	}
	return outs, nil
}

// aggValue computes count, sum, min or max over a group's rows.
func (w *world) aggValue(r *analysis.Rule, a *analysis.Agg, rows [][]value.Value) (value.Value, error) {
	if a.Func == syntax.AggCount {
		if a.Star {
			return value.Int(int64(len(rows))), nil
		}
		return value.Int(int64(len(distinctTuples(rows, a.Vars)))), nil
	}
	if len(a.Vars) != 1 {
		return value.Value{}, w.errorf(r.Pos, "%s takes one variable", a.Func)
	}
	s := a.Vars[0]
	acc := rows[0][s]
	switch a.Func {
	case syntax.AggSum:
		var sum int64
		for _, row := range rows {
			if row[s].K != value.KindInt {
				return value.Value{}, w.errorf(r.Pos, "sum over %s, a %s: only ints", row[s], row[s].K)
			}
			sum += row[s].I // wraps
		}
		return value.Int(sum), nil
	case syntax.AggMin:
		for _, row := range rows {
			if row[s].Compare(acc) < 0 {
				acc = row[s]
			}
		}
		return acc, nil
	case syntax.AggMax:
		for _, row := range rows {
			if row[s].Compare(acc) > 0 {
				acc = row[s]
			}
		}
		return acc, nil
	}
	return value.Value{}, w.errorf(r.Pos, "unknown aggregate %q", a.Func)
}

// distinctTuples returns the distinct tuples of the given slots over rows,
// sorted.
func distinctTuples(rows [][]value.Value, slots []int) []value.Tuple {
	out := make([]value.Tuple, 0, len(rows))
	if len(slots) == 1 {
		flat := make([]value.Value, len(rows))
		for i, row := range rows {
			flat[i] = row[slots[0]]
		}
		for i := range flat {
			out = append(out, flat[i:i+1:i+1])
		}
		slices.SortFunc(out, compareTuples)
		return slices.CompactFunc(out, value.Tuple.Equal)
	}
	for _, row := range rows {
		t := make(value.Tuple, len(slots))
		for i, s := range slots {
			t[i] = row[s]
		}
		out = append(out, t)
	}
	slices.SortFunc(out, value.Tuple.Compare)
	return slices.CompactFunc(out, value.Tuple.Equal)
}

func isPermutation(p []int, n int) bool {
	if len(p) != n {
		return false
	}
	seen := make([]bool, n)
	for _, x := range p {
		if x < 0 || x >= n || seen[x] {
			return false
		}
		seen[x] = true
	}
	return true
}

// numberRows implements index(): it permutes the sorted head rows of rule r
// by the Choices' order and writes each row's position into its index()
// columns. Both aggregation paths (and so both evaluators) use it.
func numberRows(w *world, r *analysis.Rule, outs []headOut) ([]headOut, error) {
	perm := w.ch.Order(r.ID, len(outs))
	if !isPermutation(perm, len(outs)) {
		return nil, w.errorf(r.Pos, "Choices.Order returned %v, not a permutation of %d rows", perm, len(outs))
	}
	numbered := make([]headOut, len(outs))
	for n, from := range perm {
		o := outs[from]
		for i, a := range r.Head.Args {
			if a.Agg != nil && a.Agg.Func == syntax.AggIndex {
				o.Tuple[i] = value.Int(int64(n))
			}
		}
		numbered[n] = o
	}
	return numbered, nil
}
