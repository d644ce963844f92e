package eval

import (
	"dsim/semantics/value"
)

// table is one relation's facts in a tick: rows in insertion order (so a
// semi-naive delta is a range of row numbers), a hash set over whole rows,
// and lazily built hash indexes over subsets of columns. Hash collisions
// are resolved by comparing values, so a hash never decides membership.
type table struct {
	name  string
	arity int
	rows  []value.Tuple
	set   chain
	idx   []*colIndex
	arena []value.Value // tuples are carved from this slab to save allocations
}

// chain maps a 64-bit hash to a linked list of rows through next: head
// holds row+1 of the most recent row with that hash, next[row] the row+1
// of the previous one (0 ends the list).
type chain struct {
	head map[uint64]int32
	next []int32
}

func (c *chain) add(h uint64, row int) {
	c.next = append(c.next, c.head[h])
	c.head[h] = int32(row + 1)
}

// colIndex indexes rows by the values of cols (mask has bit i set for
// column i).
type colIndex struct {
	mask uint64
	cols []int
	chain
}

func newTable(name string, arity int) *table {
	return &table{name: name, arity: arity, set: chain{head: make(map[uint64]int32)}}
}

// Hashing: a fixed 64-bit mix (no per-process seed, so runs are
// reproducible even in their internal iteration order).
const hashSeed = 0x9e3779b97f4a7c15

func mix(h, x uint64) uint64 {
	h ^= x
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 31
	return h
}

func hashVal(h uint64, v value.Value) uint64 {
	h = mix(h, uint64(v.K))
	if v.K != value.KindInt {
		s := uint64(fnvOffset)
		for i := 0; i < len(v.S); i++ {
			s ^= uint64(v.S[i])
			s *= fnvPrime
		}
		h = mix(h, s)
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
	return tb.find(t, hashTuple(t)) >= 0
}

func (tb *table) find(t []value.Value, h uint64) int {
	for r := tb.set.head[h]; r != 0; r = tb.set.next[r-1] {
		if value.Tuple(t).Equal(tb.rows[r-1]) {
			return int(r - 1)
		}
	}
	return -1
}

// insert adds a copy of t unless present; it reports whether it was new.
func (tb *table) insert(t []value.Value) bool {
	h := hashTuple(t)
	if tb.find(t, h) >= 0 {
		return false
	}
	if len(tb.arena)+len(t) > cap(tb.arena) {
		n := max(256, 2*cap(tb.arena))
		n = min(n, 1<<16)
		n = max(n, len(t))
		tb.arena = make([]value.Value, 0, n)
	}
	start := len(tb.arena)
	tb.arena = append(tb.arena, t...)
	row := tb.arena[start:len(tb.arena):len(tb.arena)]
	id := len(tb.rows)
	tb.rows = append(tb.rows, row)
	tb.set.add(h, id)
	for _, ix := range tb.idx {
		ix.add(hashCols(row, ix.cols), id)
	}
	return true
}

// index returns the index over the columns in mask, building it on first
// use; later inserts maintain it.
func (tb *table) index(mask uint64) *colIndex {
	for _, ix := range tb.idx {
		if ix.mask == mask {
			return ix
		}
	}
	ix := &colIndex{mask: mask, chain: chain{head: make(map[uint64]int32, len(tb.rows))}}
	for c := 0; c < tb.arity; c++ {
		if mask&(1<<c) != 0 {
			ix.cols = append(ix.cols, c)
		}
	}
	ix.next = make([]int32, 0, len(tb.rows))
	for id, row := range tb.rows {
		ix.add(hashCols(row, ix.cols), id)
	}
	tb.idx = append(tb.idx, ix)
	return ix
}
