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
	var base rel
	if pass == 0 {
		base = e.stIn.relOf(l.Rel)
	} else {
		base = e.mt.facts.get(l.Rel)
	}
	counts := prefixCounter(base, p)
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
		nb := counts.count(key)
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

// keyCounter counts a rel's rows by their first p columns without its
// sorted form: bisecting the run, and through a hash set over the
// tail's keys (a tail is at most tailMax rows: rel.go).
type keyCounter struct {
	run, tail []value.Tuple
	p         int
	set       openSet // tag of a tail row's key to its row number+1
}

func prefixCounter(r rel, p int) keyCounter {
	c := keyCounter{run: r.rows[:r.sortedN], tail: r.rows[r.sortedN:], p: p}
	for i, t := range c.tail {
		c.set.add(tagOf(hashTuple(t[:p])), i)
	}
	return c
}

// count returns the number of rows whose first p columns are key.
func (c *keyCounter) count(key value.Tuple) int {
	n := prefixCount(c.run, key)
	if c.set.n == 0 {
		return n
	}
	tag := tagOf(hashTuple(key))
	mask := uint32(len(c.set.slots) - 1)
	// Rows with equal keys share a tag, so all of them lie on the probe
	// sequence from the tag's home slot up to the first empty slot.
	for i := tag & mask; c.set.slots[i].row != 0; i = (i + 1) & mask {
		if sl := c.set.slots[i]; sl.tag == tag && value.Tuple(c.tail[sl.row-1][:c.p]).Equal(key) {
			n++
		}
	}
	return n
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
