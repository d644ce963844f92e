package sim

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/eval"
	"github.com/dsim-project/dsim/semantics/value"
)

// Repeats says how often a generated request repeats an earlier one, in
// percent: Duplicate sends an earlier request's fact again (a value that
// arrives twice), Retry reuses an earlier request's id (its int first
// column) with freshly drawn other columns (a client retrying a key with
// another payload). Both only apply once some request was sent. The zero
// value repeats nothing: most protocols, the corpus's among them, state as
// invariants that a client sends each id with one payload, once
// (docs/CHECKING.md, "How workload values are picked").
type Repeats struct {
	Duplicate, Retry int
}

// collidePct is how often a drawn int is a partner of an earlier value of
// its column (equal modulo one of the program's moduli, or under hash
// modulo it) rather than uniform over the domain.
const collidePct = 70

func (r Repeats) rates() (dup, retry int) { return max(r.Duplicate, 0), max(r.Retry, 0) }

// ParseRepeats reads a --repeats spec: `dup=P retry=P` (percentages; either
// may be left out, separators are spaces or commas).
func ParseRepeats(spec string) (Repeats, error) {
	var r Repeats
	for _, f := range strings.FieldsFunc(spec, func(c rune) bool { return c == ' ' || c == ',' }) {
		k, v, ok := strings.Cut(f, "=")
		n, err := strconv.Atoi(v)
		col := strings.Index(spec, f) + 1
		if !ok || err != nil || n < 0 || n > 100 {
			return r, &SpecError{Source: string(OptRepeats), Col: col, Msg: fmt.Sprintf("%q is not KEY=PERCENT with PERCENT in 0..100", f), Hint: "write e.g. 'dup=10 retry=15'"}
		}
		switch k {
		case "dup":
			r.Duplicate = n
		case "retry":
			r.Retry = n
		default:
			return r, &SpecError{Source: string(OptRepeats), Col: col, Msg: fmt.Sprintf("unknown key %q", k), Hint: "the keys are dup and retry"}
		}
	}
	if r.Duplicate+r.Retry > 100 {
		return r, &SpecError{Source: string(OptRepeats), Msg: "dup + retry exceed 100%", Hint: "lower one of them"}
	}
	return r, nil
}

// valueGen draws request tuples. It keeps what was sent, so that repeats
// and collisions refer to earlier requests. The random source is passed to
// each call: the open-loop generator has its own stream, closed-loop
// clients draw from the oracle (so the request is a recorded choice).
type valueGen struct {
	prog    *analysis.Program
	shape   programShape
	user    ValueDomains
	repeats Repeats
	addrs   []value.Addr
	def     []int64 // the default domain, computed once
	sent    map[string][]value.Tuple
	drawn   map[column][]int64 // per column: values drawn so far
	ids     map[int64]bool     // ids used by any request
	maxID   int64
}

// column names one column of one relation (a map key that costs no
// string building per draw).
type column struct {
	rel string
	col int
}

func newValueGen(prog *analysis.Program, counts map[string]int, user ValueDomains, rep Repeats, addrs []value.Addr) *valueGen {
	g := &valueGen{prog: prog, shape: shapeOf(prog, counts), user: user, repeats: rep, addrs: addrs,
		sent: map[string][]value.Tuple{}, drawn: map[column][]int64{}, ids: map[int64]bool{}}
	g.def = g.shape.defaultDomain()
	return g
}

// clone copies the generator's memory of what was sent (for snapshots of
// a world, sim/snapshot.go).
func (g *valueGen) clone() *valueGen {
	c := *g
	c.sent = make(map[string][]value.Tuple, len(g.sent))
	for k, v := range g.sent {
		c.sent[k] = slices.Clone(v)
	}
	c.drawn = make(map[column][]int64, len(g.drawn))
	for k, v := range g.drawn {
		c.drawn[k] = slices.Clone(v)
	}
	c.ids = maps.Clone(g.ids)
	return &c
}

func (g *valueGen) domain(rel string, col int) ([]int64, bool) {
	if d, ok := g.user.lookup(rel, col); ok {
		return d.Values, true
	}
	return g.def, false
}

func (g *valueGen) moduli(rel string, col int) []int64 {
	if d, ok := g.user.lookup(rel, col); ok && d.Moduli != nil {
		return d.Moduli
	}
	return g.shape.moduli
}

// tuple draws the next request of rel. An int first column is the request
// id (docs/SEMANTICS.md, "Requests and answers").
func (g *valueGen) tuple(r *rand.Rand, rel *analysis.Relation) value.Tuple {
	past := g.sent[rel.Name]
	dup, retry := g.repeats.rates()
	idCol := len(rel.Columns) > 0 && rel.Columns[0].Type == value.KindInt
	roll := r.IntN(100)
	var t value.Tuple
	switch {
	case len(past) > 0 && roll < dup:
		t = slices.Clone(past[r.IntN(len(past))])
	case len(past) > 0 && idCol && len(rel.Columns) > 1 && roll < dup+retry:
		t = g.fresh(r, rel, past[r.IntN(len(past))][0].I)
	default:
		if idCol {
			t = g.fresh(r, rel, g.newID(r, rel))
		} else {
			t = g.fresh(r, rel, 0)
		}
	}
	g.sent[rel.Name] = append(past, t)
	return t
}

// newID picks a positive id no request used yet from the id column's domain
// (collision-biased, as for any int), or, when the domain is used up, the
// next integer above every id so far — unless --values fixed the domain,
// whose values are then reused.
func (g *valueGen) newID(r *rand.Rand, rel *analysis.Relation) int64 {
	d, user := g.domain(rel.Name, 0)
	var free []int64
	for _, v := range d {
		// Generated ids are positive: protocols use 0 as "none" (no
		// ballot, no slot yet); --values may still ask for 0.
		if !g.ids[v] && (user || v > 0) {
			free = append(free, v)
		}
	}
	var id int64
	switch {
	case len(free) > 0:
		id = g.pick(r, rel.Name, 0, free)
	case user:
		id = d[r.IntN(len(d))]
	default:
		id = max(g.maxID, slices.Max(d)) + 1
	}
	g.ids[id] = true
	g.maxID = max(g.maxID, id)
	return id
}

// fresh draws every column of rel; an int first column gets id.
func (g *valueGen) fresh(r *rand.Rand, rel *analysis.Relation, id int64) value.Tuple {
	t := make(value.Tuple, len(rel.Columns))
	for i, c := range rel.Columns {
		switch c.Type {
		case value.KindInt:
			if i == 0 {
				t[i] = value.Int(id)
				g.note(rel.Name, 0, id)
			} else {
				d, _ := g.domain(rel.Name, i)
				t[i] = value.Int(g.pick(r, rel.Name, i, d))
			}
		case value.KindString:
			t[i] = value.Str("s" + strconv.Itoa(r.IntN(4)))
		case value.KindAddr:
			t[i] = value.AddrOf(g.addrs[r.IntN(len(g.addrs))])
		default:
			t[i] = value.Int(r.Int64N(8))
		}
	}
	return t
}

func (g *valueGen) note(rel string, col int, v int64) {
	k := column{rel, col}
	if !slices.Contains(g.drawn[k], v) {
		g.drawn[k] = append(g.drawn[k], v)
	}
}

// pick draws a value of column col from cands: uniformly, or collidePct%
// of the time a candidate other than, but in one bucket with, a value
// drawn earlier in the column (modulo a modulus of the program, plainly or
// under hash), so that bucket collisions happen in short workloads too.
func (g *valueGen) pick(r *rand.Rand, rel string, col int, cands []int64) int64 {
	earlier := g.drawn[column{rel, col}]
	v := cands[r.IntN(len(cands))]
	if len(earlier) > 0 && r.IntN(100) < collidePct {
		var partners []int64
		// One modulus and one kind of collision (plain or under hash) at a
		// time, so that each kind is sought as often as the other.
		if ms := g.moduli(rel, col); len(ms) > 0 {
			m, hashed := ms[r.IntN(len(ms))], r.IntN(2) == 0
			// Each value's bucket once (hashing is the costly part), not
			// once per (candidate, earlier value) pair.
			eb := make([]int64, len(earlier))
			for j, u := range earlier {
				eb[j] = bucketOf(m, hashed, u)
			}
			for _, c := range cands {
				cb := bucketOf(m, hashed, c)
				for j, u := range earlier {
					if c != u && eb[j] == cb {
						partners = append(partners, c)
						break
					}
				}
			}
		}
		if len(partners) > 0 {
			v = partners[r.IntN(len(partners))]
		}
	}
	g.note(rel, col, v)
	return v
}

// bucketOf is v's bucket modulo m, plainly or (hashed) under the language's
// hash: two values collide when their buckets are equal.
func bucketOf(m int64, hashed bool, v int64) int64 {
	if hashed {
		return mod(eval.Hash(value.Int(v)).I, m)
	}
	return mod(v, m)
}

func mod(a, m int64) int64 { return ((a % m) + m) % m }
