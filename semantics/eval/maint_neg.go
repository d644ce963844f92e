package eval

import (
	"slices"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/value"
)

// Negated atoms with wildcards as drivers of maintained rules. A rule
// like `reply(id, p) :- allVoted(id, p), !replied(id, _)` changes its
// derivations only where replied's rows under a key (id) go from none to
// some or from some to none; a changed row whose key still has, or still
// lacks, other rows changes nothing. When the wildcards are the atom's
// last columns, the key is a prefix of the rows, so the relation's rows
// under a key are a run of its sorted rows, found by bisection: the
// change of each key's existence is worked out from the relation before
// the change and the changed rows, and one changed row per flipped key
// drives the rule (its wildcard columns bind nothing).

// keyFlips turns d, the change of negated literal l's relation (oriented
// as maintDelta uses it: swapped when invert), into one row per key of l
// whose existence flipped: in add when the key gained its first row, in
// del when it lost its last. ok is false when l's wildcards are not its
// last columns or the relation's value before the change is not at hand
// (only carried and delivered relations, kBase, have it as sorted rows).
func (e *engine) keyFlips(pass int, invert bool, l *analysis.Lit, k mKind, d dDelta) (dDelta, bool) {
	p := prefixCols(l)
	if p < 0 || k != kBase {
		return dDelta{}, false
	}
	// base is the relation before the change in the orientation the
	// inputs report (pass 1: the State's rows; pass 2: the tick's);
	// after it are base + ua - ud.
	var base []value.Tuple
	if pass == 0 {
		base = e.stIn.relOf(l.Rel).sorted()
	} else {
		base = e.mt.facts.get(l.Rel).sorted()
	}
	ua, ud := d.add, d.del
	if invert {
		ua, ud = ud, ua
	}
	type change struct {
		row  value.Tuple
		sign int
	}
	ch := make([]change, 0, len(ua)+len(ud))
	for _, r := range ua {
		ch = append(ch, change{r, 1})
	}
	for _, r := range ud {
		ch = append(ch, change{r, -1})
	}
	slices.SortFunc(ch, func(a, b change) int { return compareTuples(a.row[:p], b.row[:p]) })
	var out dDelta
	out.ok = true
	for i := 0; i < len(ch); {
		key := ch[i].row[:p]
		j, net := i, 0
		for ; j < len(ch) && compareTuples(ch[j].row[:p], key) == 0; j++ {
			net += ch[j].sign
		}
		nb := prefixCount(base, key)
		before, after := nb > 0, nb+net > 0
		if invert {
			before, after = after, before
		}
		switch {
		case after && !before:
			out.add = append(out.add, ch[i].row)
		case before && !after:
			out.del = append(out.del, ch[i].row)
		}
		i = j
	}
	return out, true
}

// prefixCols returns the number of l's leading arguments that are not
// wildcards, or -1 when a wildcard comes before another argument.
func prefixCols(l *analysis.Lit) int {
	p := len(l.Args)
	for i := range l.Args {
		if l.Args[i].Op == analysis.TermWildcard {
			if p == len(l.Args) {
				p = i
			}
		} else if p < len(l.Args) {
			return -1
		}
	}
	return p
}

// prefixCount counts the sorted rows that start with key.
func prefixCount(rows []value.Tuple, key value.Tuple) int {
	p := len(key)
	lo, _ := slices.BinarySearchFunc(rows, key, func(r, k value.Tuple) int { return compareTuples(r[:p], k) })
	hi, _ := slices.BinarySearchFunc(rows[lo:], key, func(r, k value.Tuple) int {
		if compareTuples(r[:p], k) <= 0 {
			return -1
		}
		return 1
	})
	return hi
}
