package eval

import (
	"github.com/dsim-project/dsim/semantics/value"
)

// table is one relation's facts in a tick: rows in insertion order (so a
// semi-naive delta is a range of row numbers), a membership structure over
// whole rows, and lazily built hash indexes over subsets of columns. Hash
// collisions are resolved by comparing values, so a hash never decides
// membership.
//
// Membership is split in two because carried facts arrive sorted and
// distinct: rows[:searchN] are strictly increasing and found by binary
// search (a sorted append costs one comparison and no hashing), and
// rows[searchN:] are found through the open-addressing set. Once the
// hashed tail outgrows the searched prefix, the prefix is hashed too, so
// the cost per insert stays O(1) amortised.
type table struct {
	name      string
	arity     int
	rows      []value.Tuple
	sortedN   int // rows[:sortedN] are strictly increasing (for output)
	searchN   int // rows[:searchN] are searched by bisection; searchN <= sortedN
	set       openSet
	idx       []*colIndex
	arena     []value.Value // tuples are carved from this slab to save allocations
	slab      *slab         // the engine's shared first storage (nil: allocate per table)
	hint      int           // rows in the previous tick, to size the row slice once
	owned     int           // rows copied into arena storage this tick (not shared inputs)
	ownedHint int           // owned in the previous tick, to size the first chunk
	// loaded is the slice loadSorted made the empty table's rows: they
	// stay rows[:len(loaded)] (rows are only appended), so what follows
	// them is what the tick added (incragg.go).
	loaded []value.Tuple
	// loadedRel is the rel loaded was (loadRel), for its sorted form
	// (loadedSorted) and to hand back unchanged (relRows).
	loadedRel rel
	// pix is where the persistent indexes over loaded come from
	// (stateidx.go; holder nil: the indexes cover every row, per tick);
	// pixMaint says loaded is a maintained relation's value.
	pix      pixSource
	pixMaint bool
	// tip offers the room behind loaded's rows, when the State they came
	// from has it (rowtip.go); nil once claimed or tried.
	tip *rowTip
	// claimed is the rowTip this tick's rows are written into, follow the
	// one whose claimer's rows it may take (rowtip.go); nil otherwise.
	claimed, follow *rowTip
	// sorted is the row slice sortedRows made this tick, with room behind
	// its rows (nil: none made, or without room).
	sorted []value.Tuple
	// sentBy holds, for an outbox table of messages, the lowest ID of
	// the rules that sent each row (result.go).
	sentBy []int
	// lazy, when not nil, promises the empty table's rows: an
	// aggregate's head tuples, loaded by the first reader (force,
	// aggrows.go).
	lazy *lazyRows
}

// searchMin is the shortest sorted prefix worth bisecting once rows stop
// arriving in order; shorter prefixes are simply hashed.
const searchMin = 512

// colIndex indexes rows by the values of cols (mask has bit i set for
// column i): head finds the most recent row whose key hash has a given
// tag, next[row] the row before it with the same tag (row+1; 0 ends).
//
// When the table's first rows were loaded with a persistent index
// (stateidx.go), rows[:base] are found through pst (hasPst) and head and
// next cover only the rows after them: next[row-base].
type colIndex struct {
	mask   uint64
	cols   []int
	head   openSet
	next   []uint32
	base   int
	pst    ptrie
	hasPst bool
	// probes counts this tick's look-ups, lastProbes the previous
	// tick's: an index probed about once per row is cheaper rebuilt
	// flat than probed through a trie (table.usePersistent).
	probes, lastProbes int
	ticked             bool   // lastProbes counts a tick (the index is not new)
	lazy               *table // non-nil: pst is built on the first probe (resolve)
}

func newTable(name string, arity int) *table {
	return &table{name: name, arity: arity}
}

// openSet is an open-addressing hash table (linear probing, load <= 1/2)
// from a 32-bit hash tag to a row number+1. The tag also picks the home
// slot, so growing never rehashes tuples. Several slots may hold the same
// tag (the set of whole rows keeps one slot per row); callers compare
// values to resolve collisions.
type openSet struct {
	slots []tagSlot
	n     int
}

type tagSlot struct {
	tag uint32
	row uint32 // row+1; 0 marks an empty slot
}

func tagOf(h uint64) uint32 { return uint32(h >> 32) }

func (s *openSet) grow() {
	old := s.slots
	size := max(16, 2*len(old))
	s.slots = make([]tagSlot, size)
	mask := uint32(size - 1)
	for _, sl := range old {
		if sl.row == 0 {
			continue
		}
		i := sl.tag & mask
		for s.slots[i].row != 0 {
			i = (i + 1) & mask
		}
		s.slots[i] = sl
	}
}

// add stores row under tag in a new slot.
func (s *openSet) add(tag uint32, row int) {
	if 2*(s.n+1) > len(s.slots) {
		s.grow()
	}
	mask := uint32(len(s.slots) - 1)
	i := tag & mask
	for s.slots[i].row != 0 {
		i = (i + 1) & mask
	}
	s.slots[i] = tagSlot{tag: tag, row: uint32(row + 1)}
	s.n++
}

// slotOf returns the slot holding tag, or the empty slot where it would go
// (-1 when the set has no slots).
func (s *openSet) slotOf(tag uint32) int {
	if len(s.slots) == 0 {
		return -1
	}
	mask := uint32(len(s.slots) - 1)
	i := tag & mask
	for {
		sl := s.slots[i]
		if sl.row == 0 || sl.tag == tag {
			return int(i)
		}
		i = (i + 1) & mask
	}
}

// Hashing: a fixed 64-bit mix (no per-process seed, so runs are
// reproducible even in their internal iteration order). Only equality
// within one tick matters, so ints hash by payload alone; other kinds mix
// in their kind and string bytes (cross-kind collisions are harmless).
const hashSeed = 0x9e3779b97f4a7c15

func mix(h, x uint64) uint64 {
	h ^= x
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 31
	return h
}

func hashVal(h uint64, v value.Value) uint64 {
	if v.K != value.KindInt {
		h = mix(h, v.FNV()) // FNV-1a of the string, kept with it (value.Value.FNV)
	}
	return mix(h, uint64(v.I))
}

func hashTuple(t []value.Value) uint64 {
	h := uint64(hashSeed)
	for _, v := range t {
		h = hashVal(h, v)
	}
	return h
}

func hashCols(t []value.Value, cols []int) uint64 {
	h := uint64(hashSeed)
	for _, c := range cols {
		h = hashVal(h, t[c])
	}
	return h
}

// contains reports whether t is a row of the table.
func (tb *table) contains(t []value.Value) bool {
	return tb.find(t) >= 0
}

// find returns the row number of t, or -1.
func (tb *table) find(t []value.Value) int {
	tb.force()
	if r := tb.search(t); r >= 0 && r < tb.searchN && value.Tuple(t).Equal(tb.rows[r]) {
		return r
	}
	if tb.set.n == 0 {
		return -1
	}
	return tb.findHashed(t, tagOf(hashTuple(t)))
}

// search bisects rows[:searchN] for the first row >= t.
func (tb *table) search(t []value.Value) int {
	lo, hi := 0, tb.searchN
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if compareTuples(tb.rows[m], t) < 0 {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

func (tb *table) findHashed(t []value.Value, tag uint32) int {
	return tb.set.lookup(tag, tb.rows, t)
}

// lookup returns the row number of t in rows, t's tag being tag, through
// the set over rows (the set not empty), or -1.
func (s *openSet) lookup(tag uint32, rows []value.Tuple, t value.Tuple) int {
	mask := uint32(len(s.slots) - 1)
	for i := tag & mask; ; i = (i + 1) & mask {
		sl := s.slots[i]
		if sl.row == 0 {
			return -1
		}
		if sl.tag == tag && t.Equal(rows[sl.row-1]) {
			return int(sl.row - 1)
		}
	}
}

// insert adds a copy of t unless present; it reports whether it was new.
func (tb *table) insert(t []value.Value) bool { return tb.insertRow(t, false) }

// insertShared adds t itself (not a copy) unless present: for input
// tuples, which nobody mutates once made, so copying them every tick
// would only cost time and memory.
func (tb *table) insertShared(t []value.Value) bool { return tb.insertRow(t, true) }

func (tb *table) insertRow(t []value.Value, share bool) bool {
	tb.force()
	n := len(tb.rows)
	if tb.sortedN == n {
		// Still in order: appending a larger tuple keeps it so.
		if n == 0 || compareTuples(tb.rows[n-1], t) < 0 {
			tb.appendRow(t, share)
			tb.sortedN, tb.searchN = n+1, n+1
			return true
		}
		if r := tb.search(t); value.Tuple(t).Equal(tb.rows[r]) {
			return false
		}
		if n < searchMin {
			tb.hashPrefix()
		}
		tb.appendRow(t, share)
		tb.set.add(tagOf(hashTuple(t)), n)
		return true
	}
	if tb.searchN > 0 {
		if r := tb.search(t); r < tb.searchN && value.Tuple(t).Equal(tb.rows[r]) {
			return false
		}
	}
	tag := tagOf(hashTuple(t))
	if tb.set.n > 0 && tb.findHashed(t, tag) >= 0 {
		return false
	}
	tb.appendRow(t, share)
	tb.set.add(tag, n)
	if tb.searchN > 0 && tb.set.n > tb.searchN {
		tb.hashPrefix()
	}
	return true
}

// hashPrefix moves the bisected prefix into the hash set.
func (tb *table) hashPrefix() {
	for r := 0; r < tb.searchN; r++ {
		tb.set.add(tagOf(hashTuple(tb.rows[r])), r)
	}
	tb.searchN = 0
}

// loadSorted makes rows, sorted and distinct, the rows of the empty
// table, sharing the slice (capped: a row added later copies it). A
// relation that gains nothing in the tick thus gives back the very slice
// it was given (sortedRows), which is what lets States share storage.
func (tb *table) loadSorted(rows []value.Tuple) {
	tb.force()
	if len(tb.rows) > 0 {
		for _, t := range rows {
			tb.insertShared(t)
		}
		return
	}
	n := len(rows)
	tb.rows = rows[:n:n]
	tb.loaded = tb.rows
	tb.sortedN, tb.searchN = n, n
	for _, ix := range tb.idx {
		if tb.pix.holder != nil && tb.usePersistent(ix) {
			continue
		}
		for id, row := range tb.rows {
			ix.add(row, id)
		}
	}
}

// loadRel is loadSorted for a State's relation, whose tail (rows after
// its sorted run) is hashed, not bisected: the run is searched as a
// sorted prefix, the tail found through the set, as rows a tick added
// would be.
func (tb *table) loadRel(r rel) {
	empty := len(tb.rows) == 0
	tb.loadSorted(r.rows)
	if !empty {
		return
	}
	tb.loadedRel = r
	if r.flat == nil {
		return
	}
	tb.sortedN, tb.searchN = r.sortedN, r.sortedN
	for i := r.sortedN; i < len(r.rows); i++ {
		tb.set.add(tagOf(hashTuple(r.rows[i])), i)
	}
	if tb.searchN > 0 && tb.set.n > tb.searchN {
		tb.hashPrefix() // as insertRow does once the hashed rows outnumber the run
	}
}

// loadedSorted returns the loaded rows in canonical order (a State's
// relation with a tail: its cached sorted form).
func (tb *table) loadedSorted() []value.Tuple {
	if tb.loadedRel.flat != nil && len(tb.loadedRel.rows) == len(tb.loaded) {
		return tb.loadedRel.sorted()
	}
	return tb.loaded
}

// relRows returns the table's rows as a rel: the loaded rel itself when
// the tick added nothing, the rows as they are (run and tail) when they
// began as a State's relation of at least minRows rows and the tail stays
// within tailMax, else in canonical order (sortedRows).
func (tb *table) relRows(minRows int) rel {
	tb.force()
	n := len(tb.rows)
	switch {
	case tb.sortedN == n:
		return flatRel(tb.rows[:n:n])
	case len(tb.loaded) == n && len(tb.loadedRel.rows) == n:
		return tb.loadedRel
	case len(tb.loaded) > 0 && len(tb.loaded) >= minRows && n-tb.sortedN <= tailMax(n):
		return tailRel(tb.rows[:n:n], tb.sortedN)
	}
	return flatRel(tb.sortedRows())
}

// reserve makes room for n more rows without further allocation (input
// rows are shared, so only the row slice is sized). Room for as many rows
// as the previous tick had is taken anyway: carried relations usually
// gain rows during the tick, and the slab was sized for that (see
// table.reset).
func (tb *table) reserve(n int) {
	n = max(n, min(tb.hint, 256))
	if cap(tb.rows)-len(tb.rows) < n {
		tb.growRows(len(tb.rows) + n)
	}
}

// growRows gives the row slice room for at least n rows, taking it from
// the engine's slab when it fits.
func (tb *table) growRows(n int) {
	var rows []value.Tuple
	if tb.slab != nil {
		rows = tb.slab.takeRows(n)
	}
	if rows == nil {
		rows = make([]value.Tuple, 0, n)
	}
	tb.rows = append(rows, tb.rows...)
}

// nextCap is the row capacity a full table grows to. A table whose rows
// are a loaded State relation (capped, shared) gains a few rows on top of
// many, so it grows by an eighth, not twice over: doubling would copy and
// allocate twice the State's relation on every tick that adds to it. A
// table that outgrows its first storage grows to the size it had in the
// previous tick at once (hint), then doubles.
func (tb *table) nextCap() int {
	id := len(tb.rows)
	if id > 0 && len(tb.loaded) == id {
		return id + max(16, id/8)
	}
	if id == 0 {
		return max(2, min(tb.hint, 256))
	}
	return max(2*id, tb.hint)
}

// newChunk returns empty tuple storage for n values.
func (tb *table) newChunk(n int) []value.Value {
	if tb.slab != nil {
		if c := tb.slab.takeVals(n); c != nil {
			return c
		}
	}
	return make([]value.Value, 0, n)
}

// appendRow stores t (shared) or a copy of t as the next row and updates
// the indexes. A stored row's capacity is its length, so appending to a
// row taken from a Result copies it.
func (tb *table) appendRow(t []value.Value, share bool) {
	id := len(tb.rows)
	if id == cap(tb.rows) && !tb.claimTip() {
		if tb.follow != nil && tb.followTip(t) {
			row := tb.rows[id] // the claimer's, equal to t
			for _, ix := range tb.idx {
				ix.add(row, id)
			}
			return
		}
		tb.growRows(tb.nextCap())
	}
	if share {
		row := value.Tuple(t[:len(t):len(t)])
		tb.rows = append(tb.rows, row)
		for _, ix := range tb.idx {
			ix.add(row, id)
		}
		if tb.claimed != nil {
			tb.publish()
		}
		return
	}
	tb.owned++
	if len(tb.arena)+len(t) > cap(tb.arena) {
		// Chunks grow with the table, so a tiny relation costs little
		// and a big one few allocations.
		// The first chunk is sized from the previous tick's rows.
		n := max(len(t)*max(2, min(tb.ownedHint, 256)), min(2*cap(tb.arena), 1<<14))
		tb.arena = tb.newChunk(n)
	}
	start := len(tb.arena)
	tb.arena = append(tb.arena, t...)
	row := tb.arena[start:len(tb.arena):len(tb.arena)]
	tb.rows = append(tb.rows, row)
	for _, ix := range tb.idx {
		ix.add(row, id)
	}
	if tb.claimed != nil {
		tb.publish()
	}
}

func (ix *colIndex) add(row value.Tuple, id int) {
	tag := tagOf(hashCols(row, ix.cols))
	ix.next = append(ix.next, 0)
	if i := ix.head.slotOf(tag); i >= 0 && ix.head.slots[i].row != 0 {
		ix.next[id-ix.base] = ix.head.slots[i].row
		ix.head.slots[i].row = uint32(id + 1)
		return
	}
	ix.head.add(tag, id)
}

// first returns row+1 of the most recent row whose key hash is h (0 if
// none); next continues the chain.
func (ix *colIndex) first(h uint64) uint32 {
	if i := ix.head.slotOf(tagOf(h)); i >= 0 {
		return ix.head.slots[i].row
	}
	return 0
}

// index returns the index over the columns in mask, building it on first
// use; later inserts maintain it.
func (tb *table) index(mask uint64) *colIndex {
	tb.force()
	for _, ix := range tb.idx {
		if ix.mask == mask {
			return ix
		}
	}
	ix := &colIndex{mask: mask}
	for c := 0; c < tb.arity; c++ {
		if mask&(1<<c) != 0 {
			ix.cols = append(ix.cols, c)
		}
	}
	if tb.pix.holder != nil {
		tb.usePersistent(ix)
	}
	ix.next = make([]uint32, 0, len(tb.rows)-ix.base)
	for id := ix.base; id < len(tb.rows); id++ {
		ix.add(tb.rows[id], id)
	}
	tb.idx = append(tb.idx, ix)
	return ix
}
