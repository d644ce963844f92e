package eval

import (
	"math/bits"
	"slices"

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
// Nodes are never modified once a trie is shared. Within one batch of
// changes (build, with) the nodes the batch itself made are edited in
// place: each node records the batch that made it (owner), and a batch
// copies only the nodes it does not own, so k rows added to a trie of n
// copy each node on their paths once, not once per row (a tick adds its
// rows to a State's index in one batch).
//
// A node's children are pointers (8 bytes a slot), to a sub-trie or to
// a leaf alike, so the path copy of an insertion copies 256 bytes a full
// node, not the 40 an inline leaf entry took per slot.
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

// pnode is an inner node (leaf false: kids by the slots in bitmap) or a
// leaf (hash and the rows with that key hash, sorted and distinct).
type pnode struct {
	bitmap uint32   // bit i set: slot i holds kids[popcount(bitmap & (1<<i - 1))]
	leaf   bool     // a leaf: hash and rows, no kids
	kids   []*pnode // an inner node's children
	hash   uint64   // a leaf's key hash
	rows   []value.Tuple
	owner  *batch // the batch that made the node, the only one that may edit it
}

// batch identifies one run of changes to a trie (build, with); it is
// never compared with anything but itself, so its address decides only
// whether a node is copied, never what a trie holds.
type batch struct{ _ byte } // not zero-sized: each batch has its own address

const ptrieBits = 5

func slotAt(h uint64, level int) uint32 { return uint32(h>>(ptrieBits*level)) & 31 }

// get returns the rows whose key hash is h (shared: do not modify).
func (t ptrie) get(h uint64) []value.Tuple {
	n := t.root
	for level := 0; n != nil; level++ {
		if n.leaf {
			if n.hash == h {
				return n.rows
			}
			return nil
		}
		bit := uint32(1) << slotAt(h, level)
		if n.bitmap&bit == 0 {
			return nil
		}
		n = n.kids[bits.OnesCount32(n.bitmap&(bit-1))]
	}
	return nil
}

// buildPtrie makes the trie of rows (sorted, distinct) keyed by cols.
func buildPtrie(rows []value.Tuple, cols []int) ptrie {
	b := &batch{}
	t := ptrie{root: &pnode{owner: b}}
	for _, row := range rows {
		// Rows come in canonical order, so appending keeps leaves sorted.
		t.root.put(hashCols(row, cols), row, 0, b, true)
	}
	t.n = len(rows)
	return t
}

// with returns t with the rows of add inserted and those of del removed
// (del first), keyed by cols, as one batch. t itself is unchanged.
func (t ptrie) with(add, del []value.Tuple, cols []int) ptrie {
	b := &batch{}
	for _, row := range del {
		if root, ok := t.root.remove(hashCols(row, cols), row, 0, b); ok {
			t.root = root
			t.n--
		}
	}
	for _, row := range add {
		if t.root == nil {
			t.root = &pnode{owner: b}
		}
		if root, ok := t.root.put(hashCols(row, cols), row, 0, b, false); ok {
			t.root = root
			t.n++
		}
	}
	return t
}

// put inserts row (hash h) below inner node n at level for batch b, and
// returns n with it: n itself when b owns it, else a copy (so the path to
// the leaf is copied once per batch). building says the trie is being
// built from sorted rows, so its leaves, all made by b, take rows in
// order. ok is false when row was present.
func (n *pnode) put(h uint64, row value.Tuple, level int, b *batch, building bool) (*pnode, bool) {
	bit := uint32(1) << slotAt(h, level)
	pos := bits.OnesCount32(n.bitmap & (bit - 1))
	if n.bitmap&bit == 0 {
		m := n.edit(b, 1)
		m.kids = slices.Insert(m.kids, pos, &pnode{leaf: true, hash: h, rows: []value.Tuple{row}, owner: b})
		m.bitmap |= bit
		return m, true
	}
	kid := n.kids[pos]
	switch {
	case !kid.leaf:
		sub, ok := kid.put(h, row, level+1, b, building)
		if !ok {
			return n, false
		}
		kid = sub
	case kid.hash == h:
		at, found := searchRows(kid.rows, row)
		if found {
			return n, false
		}
		if building && at == len(kid.rows) {
			kid.rows = append(kid.rows, row) // building: the leaf is b's, rows come in order
			return n, true
		}
		rows := make([]value.Tuple, len(kid.rows)+1)
		copy(rows, kid.rows[:at])
		rows[at] = row
		copy(rows[at+1:], kid.rows[at:])
		kid = &pnode{leaf: true, hash: h, rows: rows, owner: b}
	default:
		// Another hash in this slot: push the leaf one level down.
		sub := &pnode{owner: b}
		sub.putLeaf(kid, level+1)
		sub.put(h, row, level+1, b, building)
		kid = sub
	}
	m := n.edit(b, 0)
	m.kids[pos] = kid
	return m, true
}

// putLeaf places leaf, in n (a node b made) at level.
func (n *pnode) putLeaf(leaf *pnode, level int) {
	bit := uint32(1) << slotAt(leaf.hash, level)
	pos := bits.OnesCount32(n.bitmap & (bit - 1))
	n.kids = slices.Insert(n.kids, pos, leaf)
	n.bitmap |= bit
}

// edit returns inner node n itself when batch b owns it, else a copy of
// it owned by b with room for extra more children.
func (n *pnode) edit(b *batch, extra int) *pnode {
	if n.owner == b {
		return n
	}
	m := &pnode{bitmap: n.bitmap, kids: make([]*pnode, len(n.kids), len(n.kids)+extra), owner: b}
	copy(m.kids, n.kids)
	return m
}

// remove returns inner node n without row (hash h) for batch b, copying
// the nodes on the path that b does not own; ok is false when row was
// absent. A node left empty is dropped (nil).
func (n *pnode) remove(h uint64, row value.Tuple, level int, b *batch) (*pnode, bool) {
	if n == nil {
		return nil, false
	}
	bit := uint32(1) << slotAt(h, level)
	if n.bitmap&bit == 0 {
		return n, false
	}
	pos := bits.OnesCount32(n.bitmap & (bit - 1))
	kid := n.kids[pos]
	if !kid.leaf {
		sub, ok := kid.remove(h, row, level+1, b)
		if !ok {
			return n, false
		}
		if sub == nil {
			return n.without(pos, bit, b), true
		}
		kid = sub
	} else {
		if kid.hash != h {
			return n, false
		}
		at, found := searchRows(kid.rows, row)
		if !found {
			return n, false
		}
		if len(kid.rows) == 1 {
			return n.without(pos, bit, b), true
		}
		rows := make([]value.Tuple, 0, len(kid.rows)-1)
		kid = &pnode{leaf: true, hash: h, rows: append(append(rows, kid.rows[:at]...), kid.rows[at+1:]...), owner: b}
	}
	m := n.edit(b, 0)
	m.kids[pos] = kid
	return m, true
}

// without returns inner node n without child pos (bit) for batch b (n
// itself when b owns it, else a copy), nil if none is left.
func (n *pnode) without(pos int, bit uint32, b *batch) *pnode {
	if len(n.kids) == 1 {
		return nil
	}
	if n.owner == b {
		n.kids = slices.Delete(n.kids, pos, pos+1)
		n.bitmap &^= bit
		return n
	}
	m := &pnode{bitmap: n.bitmap &^ bit, kids: make([]*pnode, 0, len(n.kids)-1), owner: b}
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
