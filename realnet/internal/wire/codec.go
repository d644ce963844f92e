package wire

import (
	"encoding/binary"
	"fmt"
	"math"
	"sort"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/value"
)

// Facts travel typed by the program both ends run (the handshake checks
// the program fingerprint), so a fact is just
//
//	uvarint relation index | its columns, each by its declared type
//
// with an int as a zig-zag varint, a string as uvarint length and bytes,
// and an address as uvarint component index and uvarint instance. A batch
// is a uvarint count followed by that many facts. Every varint is minimal,
// so each batch has exactly one encoding (decode then encode gives back the
// same bytes; the fuzz target checks it).

// Schema numbers a program's relations and components for the wire.
type Schema struct {
	rels     []schemaRel // sorted by name, as analysis.Program.Relations
	relIndex map[string]int
	comps    []string // sorted by name
	// compVals[i] is the address value comps[i][0]: decoding an address
	// copies it and sets the instance, instead of interning the
	// component's name again (a sync.Map lookup per address), and
	// encoding compares against it (compOf).
	compVals []value.Value
}

// compOf returns the index of v's component. A program has a handful of
// components, so comparing 16-byte values in turn is cheaper than hashing
// the component's name (or the value) into a map.
func (s *Schema) compOf(v value.Value) (int, bool) {
	v.I = 0
	for i, c := range s.compVals {
		if c == v {
			return i, true
		}
	}
	return 0, false
}

type schemaRel struct {
	name  string
	kinds []value.Kind
}

// NewSchema builds the wire schema of p.
func NewSchema(p *analysis.Program) *Schema {
	s := &Schema{relIndex: map[string]int{}}
	for _, r := range p.Relations {
		kinds := make([]value.Kind, len(r.Columns))
		for i, c := range r.Columns {
			kinds[i] = c.Type
		}
		s.addRel(r.Name, kinds)
	}
	for _, c := range p.Components {
		s.comps = append(s.comps, c.Name)
	}
	s.finish()
	return s
}

func (s *Schema) addRel(name string, kinds []value.Kind) {
	s.rels = append(s.rels, schemaRel{name: name, kinds: kinds})
}

func (s *Schema) finish() {
	sort.Slice(s.rels, func(i, j int) bool { return s.rels[i].name < s.rels[j].name })
	sort.Strings(s.comps)
	for i, r := range s.rels {
		s.relIndex[r.name] = i
	}
	for _, c := range s.comps {
		s.compVals = append(s.compVals, value.AddrOf(value.Addr{Comp: c}))
	}
}

// AppendFacts appends the batch encoding of facts to dst. Facts of
// relations the schema does not know, or whose values do not match the
// declared column types, are an error (a bug in the caller: the evaluator
// only derives well-typed facts).
func (s *Schema) AppendFacts(dst []byte, facts []value.Fact) ([]byte, error) {
	dst = binary.AppendUvarint(dst, uint64(len(facts)))
	for _, f := range facts {
		var err error
		if dst, err = s.appendFact(dst, f); err != nil {
			return nil, err
		}
	}
	return dst, nil
}

func (s *Schema) appendFact(dst []byte, f value.Fact) ([]byte, error) {
	ri, ok := s.relIndex[f.Rel]
	if !ok {
		return nil, fmt.Errorf("encoding %v: relation %q is not in the program", f, f.Rel)
	}
	kinds := s.rels[ri].kinds
	if len(f.Tuple) != len(kinds) {
		return nil, fmt.Errorf("encoding %v: %d columns, relation has %d", f, len(f.Tuple), len(kinds))
	}
	dst = binary.AppendUvarint(dst, uint64(ri))
	for i, v := range f.Tuple {
		if v.K != kinds[i] {
			return nil, fmt.Errorf("encoding %v: column %d is %v, declared %v", f, i+1, v.K, kinds[i])
		}
		switch v.K {
		case value.KindInt:
			dst = binary.AppendVarint(dst, v.I)
		case value.KindString:
			dst = binary.AppendUvarint(dst, uint64(len(v.S())))
			dst = append(dst, v.S()...)
		case value.KindAddr:
			ci, ok := s.compOf(v)
			if !ok || v.I < 0 {
				return nil, fmt.Errorf("encoding %v: %v is no instance of a component of the program", f, v)
			}
			dst = binary.AppendUvarint(dst, uint64(ci))
			dst = binary.AppendUvarint(dst, uint64(v.I))
		}
	}
	return dst, nil
}

// DecodeFacts decodes a batch. It never panics: truncated, overlong,
// trailing or ill-typed input is an error wrapping ErrMalformed.
func (s *Schema) DecodeFacts(b []byte) ([]value.Fact, error) {
	d := decoder{b: b}
	n := d.uvarint()
	// Each fact takes at least one byte: a count above the bytes left is a
	// lie, refused before allocating for it.
	if d.err == nil && n > uint64(len(d.b)) {
		d.fail("batch claims %d facts in %d bytes", n, len(d.b))
	}
	var facts []value.Fact
	var slab []value.Value
	if d.err == nil {
		facts = make([]value.Fact, 0, n)
	}
	for i := uint64(0); d.err == nil && i < n; i++ {
		ri := d.uvarint()
		if d.err != nil {
			break
		}
		if ri >= uint64(len(s.rels)) {
			d.fail("relation index %d out of range (program has %d relations)", ri, len(s.rels))
			break
		}
		rel := s.rels[ri]
		// The tuples of a batch share one slab of values, sized for the
		// facts left at this one's arity (one allocation per batch, not per
		// fact; a batch holds one relation's facts more often than not).
		// Each tuple is capped, so appending to one never reaches another.
		// A fact of this arity takes at least 1+arity bytes, so the slab
		// never outgrows what decoding the bytes present could fill,
		// whatever count the batch claims.
		arity := len(rel.kinds)
		if cap(slab)-len(slab) < arity {
			left := min(n-i, uint64(len(d.b)/(1+arity))+1)
			slab = make([]value.Value, 0, arity*int(left))
		}
		t := value.Tuple(slab[len(slab) : len(slab)+arity : len(slab)+arity])
		slab = slab[:len(slab)+arity]
		for j, k := range rel.kinds {
			t[j] = d.value(k, s)
		}
		facts = append(facts, value.Fact{Rel: rel.name, Tuple: t})
	}
	if d.err == nil && len(d.b) > 0 {
		d.fail("%d trailing bytes after the batch", len(d.b))
	}
	if d.err != nil {
		return nil, d.err
	}
	return facts, nil
}

// decoder consumes a byte slice, remembering the first error; after an
// error every read returns a zero value.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
	}
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	x, n := binary.Uvarint(d.b)
	switch {
	case n == 0:
		d.fail("truncated varint")
		return 0
	case n < 0:
		d.fail("varint overflows 64 bits")
		return 0
	case n != uvarintLen(x):
		d.fail("overlong varint")
		return 0
	}
	d.b = d.b[n:]
	return x
}

func uvarintLen(x uint64) int {
	n := 1
	for x >= 0x80 {
		x >>= 7
		n++
	}
	return n
}

func (d *decoder) varint() int64 {
	u := d.uvarint()
	x := int64(u >> 1)
	if u&1 != 0 {
		x = ^x
	}
	return x
}

func (d *decoder) bytes(n uint64) []byte {
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.b)) {
		d.fail("%d bytes wanted, %d left", n, len(d.b))
		return nil
	}
	out := d.b[:n]
	d.b = d.b[n:]
	return out
}

func (d *decoder) str() string { return string(d.bytes(d.uvarint())) }

func (d *decoder) byte1() byte {
	b := d.bytes(1)
	if b == nil {
		return 0
	}
	return b[0]
}

func (d *decoder) value(k value.Kind, s *Schema) value.Value {
	switch k {
	case value.KindInt:
		return value.Int(d.varint())
	case value.KindString:
		return value.Str(d.str())
	case value.KindAddr:
		ci := d.uvarint()
		inst := d.uvarint()
		if d.err != nil {
			return value.Value{}
		}
		if ci >= uint64(len(s.comps)) {
			d.fail("component index %d out of range (program has %d components)", ci, len(s.comps))
			return value.Value{}
		}
		if inst > math.MaxInt32 {
			d.fail("instance number %d out of range", inst)
			return value.Value{}
		}
		v := s.compVals[ci]
		v.I = int64(inst)
		return v
	}
	d.fail("column of kind %v cannot be decoded", k)
	return value.Value{}
}
