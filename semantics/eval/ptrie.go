package eval

import (
	"math/bits"

	"github.com/dsim-project/dsim/semantics/value"
)

// A ptrie is a persistent hash trie (a hash array mapped trie) from the
// 64-bit hash of a row's key columns to the rows with that hash, in
// canonical order. It is the index a State keeps over one of its
// relations for one set of key columns (see stateidx.go): a tick probes
// it instead of hashing every carried row again, and the next State's
// index is this one with the tick's changes applied by path copying
// (insert and remove copy the O(log32 n) nodes on the way to the leaf and
// share the rest), so any number of States may hold versions of it.
// Nodes are never modified once a trie is shared; only build, which
// makes a trie nobody else holds yet, fills nodes in place.
//
// Each level consumes 5 bits of the hash, low bits first, so two
// different hashes part at level 12 at the latest. Rows whose hashes are
// equal share a leaf; a probe compares values, so equal hashes of
// different keys are harmless. A leaf keeps its rows sorted, so what a
// probe visits, and in which order, depends only on the rows the trie
// holds, not on the history of insertions and removals that made it.
type ptrie struct {
	root *pnode
	n    int // rows
}

type pnode struct {
	bitmap uint32   // bit i set: slot i holds kids[popcount(bitmap & (1<<i - 1))]
	kids   []pentry // a child node or a leaf
}

type pentry struct {
	node *pnode // a sub-trie; nil for a leaf
	hash uint64
	rows []value.Tuple // the leaf's rows, sorted and distinct
}

const ptrieBits = 5

func slotAt(h uint64, level int) uint32 { return uint32(h>>(ptrieBits*level)) & 31 }

// get returns the rows whose key hash is h (shared: do not modify).
func (t ptrie) get(h uint64) []value.Tuple {
	n := t.root
	for level := 0; n != nil; level++ {
		bit := uint32(1) << slotAt(h, level)
		if n.bitmap&bit == 0 {
			return nil
		}
		e := &n.kids[bits.OnesCount32(n.bitmap&(bit-1))]
		if e.node == nil {
			if e.hash == h {
				return e.rows
			}
			return nil
		}
		n = e.node
	}
	return nil
}

// buildPtrie makes the trie of rows (sorted, distinct) keyed by cols.
func buildPtrie(rows []value.Tuple, cols []int) ptrie {
	t := ptrie{root: &pnode{}}
	for _, row := range rows {
		// Rows come in canonical order, so appending keeps leaves sorted.
		t.root.put(hashCols(row, cols), row, 0, true)
	}
	t.n = len(rows)
	return t
}

// with returns t with the rows of add inserted and those of del removed
// (del first), keyed by cols. t itself is unchanged.
func (t ptrie) with(add, del []value.Tuple, cols []int) ptrie {
	for _, row := range del {
		if root, ok := t.root.remove(hashCols(row, cols), row, 0); ok {
			t.root = root
			t.n--
		}
	}
	for _, row := range add {
		if t.root == nil {
			t.root = &pnode{}
		}
		if root, ok := t.root.put(hashCols(row, cols), row, 0, false); ok {
			t.root = root
			t.n++
		}
	}
	return t
}

// put inserts row (hash h) below n at level. With inPlace it fills n
// (a trie being built, held by nobody else) and returns n; otherwise it
// returns a copy of the path. ok is false when row was present.
func (n *pnode) put(h uint64, row value.Tuple, level int, inPlace bool) (*pnode, bool) {
	bit := uint32(1) << slotAt(h, level)
	pos := bits.OnesCount32(n.bitmap & (bit - 1))
	if n.bitmap&bit == 0 {
		m := n.edit(inPlace, 1)
		m.kids = append(m.kids, pentry{})
		copy(m.kids[pos+1:], m.kids[pos:])
		m.kids[pos] = pentry{hash: h, rows: []value.Tuple{row}}
		m.bitmap |= bit
		return m, true
	}
	e := n.kids[pos]
	switch {
	case e.node != nil:
		sub, ok := e.node.put(h, row, level+1, inPlace)
		if !ok {
			return n, false
		}
		e.node = sub
	case e.hash == h:
		at, found := searchRows(e.rows, row)
		if found {
			return n, false
		}
		if inPlace && at == len(e.rows) {
			e.rows = append(e.rows, row) // building: rows come in order
			break
		}
		rows := make([]value.Tuple, len(e.rows)+1)
		copy(rows, e.rows[:at])
		rows[at] = row
		copy(rows[at+1:], e.rows[at:])
		e.rows = rows
	default:
		// Another hash in this slot: push the leaf one level down.
		sub := &pnode{}
		sub.putLeaf(e, level+1)
		sub.put(h, row, level+1, true)
		e = pentry{node: sub}
	}
	m := n.edit(inPlace, 0)
	m.kids[pos] = e
	return m, true
}

// putLeaf places leaf e, fresh in n (a node being built), at level.
func (n *pnode) putLeaf(e pentry, level int) {
	bit := uint32(1) << slotAt(e.hash, level)
	pos := bits.OnesCount32(n.bitmap & (bit - 1))
	n.kids = append(n.kids, pentry{})
	copy(n.kids[pos+1:], n.kids[pos:])
	n.kids[pos] = e
	n.bitmap |= bit
}

// edit returns n itself (inPlace) or a copy of it with room for extra
// more children.
func (n *pnode) edit(inPlace bool, extra int) *pnode {
	if inPlace {
		return n
	}
	m := &pnode{bitmap: n.bitmap, kids: make([]pentry, len(n.kids), len(n.kids)+extra)}
	copy(m.kids, n.kids)
	return m
}

// remove returns n without row (hash h), copying the path; ok is false
// when row was absent. A node left empty is dropped (nil).
func (n *pnode) remove(h uint64, row value.Tuple, level int) (*pnode, bool) {
	if n == nil {
		return nil, false
	}
	bit := uint32(1) << slotAt(h, level)
	if n.bitmap&bit == 0 {
		return n, false
	}
	pos := bits.OnesCount32(n.bitmap & (bit - 1))
	e := n.kids[pos]
	if e.node != nil {
		sub, ok := e.node.remove(h, row, level+1)
		if !ok {
			return n, false
		}
		if sub == nil {
			return n.without(pos, bit), true
		}
		e.node = sub
	} else {
		if e.hash != h {
			return n, false
		}
		at, found := searchRows(e.rows, row)
		if !found {
			return n, false
		}
		if len(e.rows) == 1 {
			return n.without(pos, bit), true
		}
		rows := make([]value.Tuple, 0, len(e.rows)-1)
		e.rows = append(append(rows, e.rows[:at]...), e.rows[at+1:]...)
	}
	m := n.edit(false, 0)
	m.kids[pos] = e
	return m, true
}

// without returns a copy of n without child pos (bit), nil if none is
// left.
func (n *pnode) without(pos int, bit uint32) *pnode {
	if len(n.kids) == 1 {
		return nil
	}
	m := &pnode{bitmap: n.bitmap &^ bit, kids: make([]pentry, 0, len(n.kids)-1)}
	m.kids = append(append(m.kids, n.kids[:pos]...), n.kids[pos+1:]...)
	return m
}

// searchRows bisects sorted rows for row: its position, and whether it
// is there.
func searchRows(rows []value.Tuple, row value.Tuple) (int, bool) {
	lo, hi := 0, len(rows)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if compareTuples(rows[m], row) < 0 {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo, lo < len(rows) && compareTuples(rows[lo], row) == 0
}
