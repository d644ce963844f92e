package eval

import (
	"sync/atomic"

	"github.com/dsim-project/dsim/semantics/value"
)

// Indexes kept with the carried rows. A plan probes a relation through a
// hash index over the columns it knows (table.index). Built per tick, such
// an index costs a hash and a probe per stored row on every tick, however
// little the tick changed: on the voting leader this rebuilding was a
// third of the time. So the rows a tick loads whole from carried storage
// (a State's relation, a maintained relation's value) come with
// persistent indexes (ptrie.go) held next to that storage, in an
// ixHolder: a table loaded from such rows (its first len(loaded) rows)
// probes the holder's trie for them and indexes per tick only the rows
// the tick adds after them (colIndex.base).
//
// The tries follow the storage from version to version: when the tick
// makes the next State, each trie it probed is brought to the next
// version of its relation by the rows that version gained and lost
// (ptrie.with, path copying: the old version keeps its trie), and a
// relation carried over unchanged keeps its holder, shared. A holder that
// lacks the trie for a key (a State from NewState, a version whose change
// was too large to apply) gets it built from its rows by the first tick
// that needs it and published atomically, as the State's other memos are:
// any number of ticks may start from one State at once, and a holder's
// tries, once published, are never modified.
//
// Small relations (below the evaluator's State-size threshold, maintMin)
// keep the per-tick index: building a trie costs more than hashing a few
// rows.

// ixHolder holds the persistent indexes over one immutable version of a
// relation's rows (the rows themselves are held by its owner: a State's
// FactSet, a cntMemo).
type ixHolder struct {
	p atomic.Pointer[[]maskTrie] // never modified once stored; replaced by a longer copy
}

// maskTrie is the trie over the columns in mask.
type maskTrie struct {
	mask uint64
	t    ptrie
}

func (h *ixHolder) lookup(mask uint64) (ptrie, bool) {
	if p := h.p.Load(); p != nil {
		for _, mt := range *p {
			if mt.mask == mask {
				return mt.t, true
			}
		}
	}
	return ptrie{}, false
}

// shareFrom gives h the tries src has now: for a holder over the very
// rows src holds (the tries are never modified, so both may keep them).
func (h *ixHolder) shareFrom(src *ixHolder) {
	if p := src.p.Load(); p != nil {
		h.p.Store(p)
	}
}

// publish adds t as the trie for mask unless one is there already (a
// concurrent tick built the same); it returns the trie kept.
func (h *ixHolder) publish(mask uint64, t ptrie) ptrie {
	for {
		cur := h.p.Load()
		var next []maskTrie
		if cur != nil {
			for _, mt := range *cur {
				if mt.mask == mask {
					return mt.t
				}
			}
			next = make([]maskTrie, len(*cur), len(*cur)+1)
			copy(next, *cur)
		}
		next = append(next, maskTrie{mask: mask, t: t})
		if h.p.CompareAndSwap(cur, &next) {
			return t
		}
	}
}

// pixSource is where a table's loaded rows get their tries: holder, the
// loaded version's, and optionally an older version's holder with the
// change from it to the loaded rows, to derive tries the holder lacks.
type pixSource struct {
	holder   *ixHolder
	from     *ixHolder
	fromRows []value.Tuple // the older version's rows
	add, del []value.Tuple
}

// loadIndexed is loadRel for rows held with persistent indexes in
// src.holder: the table's indexes probe the holder's tries for them.
func (tb *table) loadIndexed(rows rel, src pixSource) {
	tb.force()
	if len(tb.rows) > 0 || src.holder == nil {
		tb.loadRel(rows)
		return
	}
	tb.pix = src
	tb.loadRel(rows)
}

// usePersistent points ix at the loaded rows' trie over its columns,
// deriving or building (and publishing) it when the holder lacks it, and
// reports whether it did. It does not when the index was probed about
// once per loaded row in the previous tick (a rule evaluated in full over
// a relation as large): a trie probe chases a pointer per level, so for
// as many probes as rows, hashing the rows into the flat per-tick index
// costs less. Either index yields a key's rows in the same order. Nor does
// it build a missing trie for an index with no previous tick to judge by.
func (tb *table) usePersistent(ix *colIndex) bool {
	if ix.lastProbes > len(tb.loaded)/2 {
		tb.keepTrie(ix)
		return false
	}
	src := &tb.pix
	t, ok := src.holder.lookup(ix.mask)
	if !ok {
		var old ptrie
		haveOld := false
		derivable := tb.derivable()
		if derivable {
			old, haveOld = src.from.lookup(ix.mask)
		}
		switch {
		case haveOld:
			t = old.with(src.add, src.del, ix.cols)
			pixDerived.Add(1)
		case !ix.ticked:
			// A new index (a fresh engine): no evidence yet that a
			// trie pays for its building; this tick counts the probes.
			return false
		case derivable:
			// The older version (a State's memo, kept) gets the trie,
			// built once; this tick's version derives from it, as the
			// ticks after it will.
			old = src.from.publish(ix.mask, buildPtrie(src.fromRows, ix.cols))
			pixBuilt.Add(1)
			t = old.with(src.add, src.del, ix.cols)
			pixDerived.Add(1)
		default:
			// Built on the first probe (resolve), if the tick probes
			// it at all: a table's indexes are set up when it is
			// loaded, for every key an earlier tick probed.
			ix.base, ix.lazy = len(tb.loaded), tb
			return true
		}
		t = src.holder.publish(ix.mask, t)
	}
	ix.pst, ix.base = t, len(tb.loaded)
	ix.hasPst = true
	return true
}

// derivable reports whether the loaded rows' tries may be derived from
// the older version's (pixSource.from) by its change: when the change is
// small beside the rows.
func (tb *table) derivable() bool {
	src := &tb.pix
	return src.from != nil && len(src.add)+len(src.del) <= len(tb.loaded)/4+16
}

// keepTrie brings ix's trie to the loaded version, when the holder lacks
// it and the older version has it, for a tick that indexes ix flat: the
// tries a holder has go on to the next State (nextIndexes), and a tick
// with many probes (a rule over the relation run in full) must not cost
// the ticks after it, when they probe little again, a rebuild of the
// trie from every row. Deriving costs what changed.
func (tb *table) keepTrie(ix *colIndex) {
	src := &tb.pix
	if _, ok := src.holder.lookup(ix.mask); ok || !tb.derivable() {
		return
	}
	if old, ok := src.from.lookup(ix.mask); ok {
		src.holder.publish(ix.mask, old.with(src.add, src.del, ix.cols))
		pixDerived.Add(1)
	}
}

// resolve builds and publishes the trie of a lazy index (usePersistent)
// over its table's loaded rows, on the index's first probe in the tick.
func (ix *colIndex) resolve() {
	tb := ix.lazy
	ix.lazy = nil
	t := tb.pix.holder.publish(ix.mask, buildPtrie(tb.loadedSorted(), ix.cols))
	pixBuilt.Add(1)
	ix.pst, ix.hasPst = t, true
}

// stateHolder returns the holder of relation rel's rows in s, making it
// (published atomically) on first use.
func (s *State) stateHolder(rel string) *ixHolder {
	for {
		cur := s.ix.Load()
		if cur != nil {
			if h := (*cur)[rel]; h != nil {
				return h
			}
		}
		next := make(map[string]*ixHolder, 1)
		if cur != nil {
			for k, h := range *cur { // copying a map: order-free
				next[k] = h
			}
		}
		h := &ixHolder{}
		next[rel] = h
		if s.ix.CompareAndSwap(cur, &next) {
			return h
		}
	}
}

// nextIndexes gives the next State (res.State) the tries this tick
// probed over the State's relations and the maintained relations' values,
// brought to the next versions of their rows.
func (e *engine) nextIndexes(facts relSet, res *Result) {
	var holders map[string]*ixHolder
	var mnext map[string]*cntMemo
	if m := res.State.maint.Load(); m != nil {
		mnext = m.rels
	}
	for _, t := range e.order {
		if t.pix.holder == nil {
			continue
		}
		used := t.usedTries()
		if len(used) == 0 {
			continue
		}
		if t.pixMaint {
			// A maintained relation's next value: the tick's own, or the
			// tick's changed by what pass 2 worked out (e.dd2).
			nv := mnext[t.name]
			d := e.dd2[t.name]
			if nv == nil || len(t.rows) != len(t.loaded) || &nv.ix == t.pix.holder || !d.ok {
				continue
			}
			if len(d.add)+len(d.del) > len(nv.rows)/4+16 {
				continue
			}
			for _, mt := range used {
				nv.ix.publish(mt.mask, mt.t.with(d.add, d.del, colsOf(mt.mask, t.arity)))
				pixDerived.Add(1)
			}
			continue
		}
		nextRel := res.State.rels.get(t.name)
		next := nextRel.rows
		if len(next) == 0 {
			continue
		}
		if len(next) == len(t.loaded) && &next[0] == &t.loaded[0] {
			if holders == nil {
				holders = map[string]*ixHolder{}
			}
			holders[t.name] = t.pix.holder // unchanged: shared
			continue
		}
		gained := t.rows[len(t.loaded):] // indexed per tick, by the colIndex
		var add, del []value.Tuple
		if cur := facts.get(t.name); !sameRel(cur, nextRel) {
			add, del = e.nextDiff(t.name, cur, nextRel)
		}
		if len(gained)+len(add)+len(del) > len(next)/4+16 {
			continue // the first tick from the next State builds them
		}
		h := &ixHolder{}
		set := make([]maskTrie, len(used))
		for i, mt := range used {
			cols := colsOf(mt.mask, t.arity)
			set[i] = maskTrie{mask: mt.mask, t: mt.t.with(gained, nil, cols).with(add, del, cols)}
		}
		h.p.Store(&set)
		pixDerived.Add(int64(len(set)))
		if holders == nil {
			holders = map[string]*ixHolder{}
		}
		holders[t.name] = h
	}
	if holders != nil {
		hs := holders // its own variable: only a tick that keeps tries allocates it
		res.State.ix.Store(&hs)
	}
}

// usedTries lists the tries over the table's loaded rows: those this
// tick probed (usePersistent publishes them) and those earlier ticks
// kept. All are carried on, so that an engine that probes fewer keys
// (a fresh one, a tick whose deliveries leave a rule idle) does not cost
// the next ticks a rebuild.
// That includes the tries of indexes that went flat this tick: density
// changes from tick to tick (a rule memo.go skips on one tick runs in
// full on the next), and bringing a trie along costs what changed, while
// building it again costs what is stored.
func (tb *table) usedTries() []maskTrie {
	if p := tb.pix.holder.p.Load(); p != nil {
		return *p
	}
	return nil
}

// pixBuilt and pixDerived count the tries built from a version's rows
// and those brought from another version by its changes, for the tests
// (they reach no result).
var pixBuilt, pixDerived atomic.Int64

// colsOf lists the columns in mask, in order.
func colsOf(mask uint64, arity int) []int {
	var cols []int
	for c := 0; c < arity; c++ {
		if mask&(1<<c) != 0 {
			cols = append(cols, c)
		}
	}
	return cols
}
