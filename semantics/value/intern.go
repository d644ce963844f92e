package value

import (
	"sync"
	"sync/atomic"
)

// Strings are interned: a Value holds a string (or an address's component
// name) as a number into one process-wide table, so that a Value holds no
// pointer. Tuples are then memory the garbage collector never scans, a
// copy of a Value needs no write barrier, and two Values are equal
// exactly when their fields are (one number per distinct string).
//
// The numbers are an implementation detail: which string gets which
// number depends on the order in which goroutines first make them, so
// nothing may order, hash or print by them. Compare, String, Key and
// every hash in this module go by the string's bytes.
//
// The table only grows: a process holds each distinct string it ever made
// once, for its whole life. Programs make strings from their constants,
// from workloads drawn from small domains and from concat (at most
// MaxStringLen bytes each, semantics/eval), so this is small in practice;
// a long-running realnet node fed ever-new client strings would grow.

// internChunk is the number of strings per chunk of the table: chunks are
// allocated whole and never move, so a reader indexes them without a lock.
const internChunk = 1 << 10

type strChunk [internChunk]internedStr

// internedStr is one string of the table with its FNV-1a hashes, worked
// out once (hashing is per value on every tick; see Value.FNV).
type internedStr struct {
	s   string
	fnv [2]uint64 // seeded for KindString, KindAddr
}

var interned struct {
	ids sync.Map // string -> uint32; lock-free look-ups of known strings
	mu  sync.Mutex
	n   uint32                      // strings numbered so far (under mu)
	dir atomic.Pointer[[]*strChunk] // chunks in number order; replaced whole when it grows
}

func init() {
	intern("") // number 0 is the empty string, so the zero payload reads as ""
}

// intern returns the number of s, giving it the next one if it has none.
func intern(s string) uint32 {
	if id, ok := interned.ids.Load(s); ok {
		return id.(uint32)
	}
	interned.mu.Lock()
	defer interned.mu.Unlock()
	if id, ok := interned.ids.Load(s); ok {
		return id.(uint32)
	}
	id := interned.n
	var dir []*strChunk
	if d := interned.dir.Load(); d != nil {
		dir = *d
	}
	if int(id/internChunk) == len(dir) {
		grown := make([]*strChunk, len(dir)+1)
		copy(grown, dir)
		grown[len(dir)] = new(strChunk)
		dir = grown
		interned.dir.Store(&grown)
	}
	e := internedStr{s: s}
	for i, k := range [2]Kind{KindString, KindAddr} {
		e.fnv[i] = fnv1a(fnvOffset^uint64(k), s)
	}
	dir[id/internChunk][id%internChunk] = e // written before the number is published below
	interned.n++
	interned.ids.Store(s, id)
	return id
}

// internedString returns the string numbered id.
func internedString(id uint32) string {
	if id == 0 {
		return ""
	}
	return (*interned.dir.Load())[id/internChunk][id%internChunk].s
}

// FNV-1a 64.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func fnv1a(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

// FNV returns the FNV-1a 64 hash of the string payload S() with the
// offset basis xor-ed with the kind (so a string and an address of the
// same name differ): kept with the interned string, so that hashing a
// value costs no pass over its bytes. For an int it is the hash of "".
func (v Value) FNV() uint64 {
	switch v.K {
	case KindString, KindAddr:
		return (*interned.dir.Load())[v.s/internChunk][v.s%internChunk].fnv[v.K-KindString]
	}
	return fnv1a(fnvOffset^uint64(v.K), "")
}
