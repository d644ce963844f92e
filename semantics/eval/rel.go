package eval

import (
	"maps"
	"math"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/dsim-project/dsim/semantics/value"
)

// A State's relation as a sorted run and a short tail. A relation that
// gains a few rows in the middle (the voting leader's votes, keyed by
// voter first; a coordinator's logs) used to be merged into a fresh
// sorted slice on every tick that added to it, so a tick cost a copy of
// everything the node stored. Instead a relation is kept as the tick's
// table already holds it: rows[:sortedN] strictly increasing, then the
// rows later ticks added, in the order they came. The next State takes
// that very slice (a tick appends behind it in place when the State
// offers the room, rowtip.go), and the tick that loads it bisects the run
// and hashes only the tail (table.loadRel). Once the tail outgrows
// tailMax of the relation it is merged into the run (table.relRows), so
// a tick costs O(tail) for the tail's hashing plus, amortised, a merge
// every tailMax/k ticks of k added rows: with tailMax ~ 2√n, O(k√n)
// copies and O(√n) hashes per tick instead of O(n) copies.
//
// The sorted form is made only for whoever needs it (Result.Facts,
// State.Facts, the diffs of relations that changed otherwise, the
// filters of garbage-collection rules), once per rel: the merged copy is
// cached, and every State and Result that shares the rel shares it.

// rel is one relation's rows in a State or a tick's result: rows[:sortedN]
// are strictly increasing, rows[sortedN:] (the tail) are distinct from
// each other and from the run, in no particular order. rows is capped and
// never modified. A rel is never empty in a relSet.
type rel struct {
	rows    []value.Tuple
	sortedN int
	// flat caches the sorted form; non-nil exactly when the tail is not
	// empty.
	flat *flatRows
}

// flatRows is a rel's sorted form, made on first use: by merging the
// tail into the run, or, for a promised table's rows (aggrows.go), by
// make.
type flatRows struct {
	p    atomic.Pointer[[]value.Tuple]
	make func() []value.Tuple
}

// flatRel is the rel of rows already sorted and distinct.
func flatRel(rows []value.Tuple) rel { return rel{rows: rows, sortedN: len(rows)} }

// tailRel is the rel of rows whose first sortedN rows are sorted.
func tailRel(rows []value.Tuple, sortedN int) rel {
	if sortedN == len(rows) {
		return flatRel(rows)
	}
	return rel{rows: rows, sortedN: sortedN, flat: &flatRows{}}
}

// sorted returns the rows in canonical order: rows itself when there is
// no tail, else the merged copy, made once (concurrent callers may both
// merge; they make the same rows, and the first stored is kept).
func (r rel) sorted() []value.Tuple {
	if r.flat == nil {
		return r.rows
	}
	if p := r.flat.p.Load(); p != nil {
		return *p
	}
	var out []value.Tuple
	if r.flat.make != nil {
		out = r.flat.make()
	} else {
		out = make([]value.Tuple, len(r.rows))
		mergeTail(out, r.rows, r.sortedN)
		out = out[:len(out):len(out)]
	}
	if r.flat.p.CompareAndSwap(nil, &out) {
		return out
	}
	return *r.flat.p.Load()
}

// tailMax is the longest tail a relation of n rows keeps before it is
// merged into the run (see the file comment for the balance).
func tailMax(n int) int {
	return max(tailFloor, int(2*math.Sqrt(float64(n))))
}

// tailFloor is the tail any relation may keep: hashing that many rows
// per tick costs less than one merge of a small relation.
const tailFloor = 32

// relSet holds a State's or a tick's relations, sorted by name; absent
// means empty. A tick makes two (its facts and the next State's), and
// maps of relation names were a twelfth of a small tick's cost (their
// allocation, hashing on every set and get); a slice sorted by name is
// one allocation, found by bisection, and walked in a fixed order. The
// FactSet callers see is made from it on demand (flat), once per State
// or Result.
type relSet struct {
	ents []relEntry
}

// relEntry is one relation of a relSet (its rel never empty).
type relEntry struct {
	name string
	r    rel
}

// newRelSet returns an empty relSet with room for n relations.
func newRelSet(n int) relSet { return relSet{ents: make([]relEntry, 0, n)} }

// relSetOf holds a canonical FactSet's relations (sorted, distinct, no
// empty relations), sharing their rows.
func relSetOf(fs FactSet) relSet {
	s := newRelSet(len(fs))
	for _, name := range slices.Sorted(maps.Keys(fs)) {
		if rows := fs[name]; len(rows) > 0 {
			s.ents = append(s.ents, relEntry{name, flatRel(rows)})
		}
	}
	return s
}

// find returns the position of name in s, or where it would go.
func (s relSet) find(name string) (int, bool) {
	return slices.BinarySearchFunc(s.ents, name, func(e relEntry, n string) int { return strings.Compare(e.name, n) })
}

// get returns relation name's rel (empty when absent).
func (s relSet) get(name string) rel {
	if i, ok := s.find(name); ok {
		return s.ents[i].r
	}
	return rel{}
}

// rowsOf returns relation name's rows as they are stored (run, then
// tail), nil when absent.
func (s relSet) rowsOf(name string) []value.Tuple { return s.get(name).rows }

// set makes r relation name's rows (r not empty; a promised table's rel
// has no rows yet, aggrows.go).
func (s *relSet) set(name string, r rel) {
	if n := len(s.ents); n == 0 || s.ents[n-1].name < name {
		s.ents = append(s.ents, relEntry{name, r}) // names in order: the usual case
		return
	}
	i, ok := s.find(name)
	if ok {
		s.ents[i].r = r
		return
	}
	s.ents = slices.Insert(s.ents, i, relEntry{name, r})
}

// len returns the number of relations in s.
func (s relSet) len() int { return len(s.ents) }

// flat returns the relations in canonical form, as a new FactSet.
func (s relSet) flat() FactSet {
	out := make(FactSet, len(s.ents))
	for _, e := range s.ents {
		out[e.name] = e.r.sorted()
	}
	return out
}

// diffRels is diffSorted for two versions of a relation: the rows cur
// has that old lacks, and those old has that cur lacks, both sorted. When
// cur extends old in old's own array (rows appended behind it, as a
// tail: rel.go, rowtip.go), the gained rows are read off behind old's,
// without the sorted form of either.
func diffRels(old, cur rel) (added, removed []value.Tuple) {
	n := len(old.rows)
	if n > 0 && len(cur.rows) >= n && &cur.rows[0] == &old.rows[0] {
		// The first n rows are old's very rows (a row behind a State's
		// rows is written once, by the one tick that claimed the room:
		// rowtip.go), so the rest are the gain.
		if cur.sortedN == len(cur.rows) {
			return cur.rows[n:], nil // in a sorted run: sorted
		}
		return slices.SortedFunc(slices.Values(cur.rows[n:]), compareTuples), nil
	}
	return diffSorted(old.sorted(), cur.sorted())
}

// sameRel reports whether a and b hold the same rows: by identity when
// they share their storage (a relation a tick left unchanged), else by
// their sorted forms.
func sameRel(a, b rel) bool {
	if len(a.rows) != len(b.rows) {
		return false
	}
	if len(a.rows) == 0 || &a.rows[0] == &b.rows[0] {
		return true
	}
	return sameTuples(a.sorted(), b.sorted())
}
