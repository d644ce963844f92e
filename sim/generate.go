package sim

import (
	"fmt"
	"math/rand/v2"
	"strconv"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/value"
)

// workloadStream separates the workload generator's random stream from the
// oracle's, so that a seed gives the same workload whatever the run does.
const workloadStream = 0x6a09e667f3bcc909

// OpenLoop describes a generated open-loop workload: Requests inputs of the
// program's .input relations (Relation only, when set), at seeded times
// with gaps of 0..MaxGap units (default 3), from Clients clients
// (default 1) taking turns. Values overrides the domains int columns are
// drawn from; Repeats sets how often a request repeats an earlier one.
type OpenLoop struct {
	Requests int
	Relation string
	MaxGap   int64
	Clients  int
	Values   ValueDomains
	Repeats  Repeats
	// Sequential reproduces the generator of before value domains
	// (commit 6ace095): request k has id k, other ints are uniform in
	// 0..7. For tests whose seeds were calibrated on it; Values and
	// Repeats are then ignored.
	Sequential bool
}

// GenerateOpenLoop makes a seeded workload for prog with the given
// instance counts (nil: the program's). An int first column carries the
// request id: a value of its domain no earlier request used (then the next
// integer above them all), or an earlier id when the request is a retry.
// Other ints are drawn from their column's domain (values.go, domain.go),
// strings from "s0".."s3", addresses from the real nodes; some requests
// repeat an earlier one exactly (ol.Repeats).
func GenerateOpenLoop(prog *analysis.Program, counts map[string]int, seed uint64, ol OpenLoop) (Workload, error) {
	if ol.Requests < 0 || ol.Requests > 10_000_000 {
		return nil, fmt.Errorf("open loop: %d requests is out of range (0..10000000)", ol.Requests)
	}
	var rels []*analysis.Relation
	if ol.Relation != "" {
		r := findRelation(prog, ol.Relation)
		if r == nil || !r.Input {
			return nil, fmt.Errorf("open loop: %s is not an .input relation (inputs: %v)", ol.Relation, inputNames(prog))
		}
		rels = append(rels, r)
	} else {
		for _, name := range inputNames(prog) {
			rels = append(rels, findRelation(prog, name))
		}
	}
	if len(rels) == 0 && ol.Requests > 0 {
		return nil, fmt.Errorf("open loop: the program has no .input relation")
	}
	gap := ol.MaxGap
	if gap <= 0 {
		gap = 3
	}
	clients := max(ol.Clients, 1)
	var addrs []value.Addr
	entry := map[string][]value.Addr{}
	for _, c := range prog.Components {
		n := c.Count
		if m, ok := counts[c.Name]; ok {
			n = m
		}
		for i := 0; i < n; i++ {
			a := value.Addr{Comp: c.Name, Instance: i}
			addrs = append(addrs, a)
			entry[c.Name] = append(entry[c.Name], a)
		}
	}
	r := rand.New(rand.NewPCG(seed, workloadStream))
	g := newValueGen(prog, counts, ol.Values, ol.Repeats, addrs)
	var w Workload
	t := int64(0)
	for k := 1; k <= ol.Requests; k++ {
		rel := rels[r.IntN(len(rels))]
		nodes := entry[rel.InputComponent]
		if len(nodes) == 0 {
			return nil, fmt.Errorf("open loop: input %s enters at component %q, which has no instances", rel.Name, rel.InputComponent)
		}
		e := InputEvent{
			Time:   t,
			Fact:   value.Fact{Rel: rel.Name, Tuple: tupleFor(g, r, rel, k, ol.Sequential, addrs)},
			Node:   nodes[r.IntN(len(nodes))],
			Client: (k - 1) % clients,
		}
		w = append(w, e)
		t += r.Int64N(gap + 1)
	}
	w.Sort()
	return w, nil
}

func tupleFor(g *valueGen, r *rand.Rand, rel *analysis.Relation, k int, sequential bool, addrs []value.Addr) value.Tuple {
	if !sequential {
		return g.tuple(r, rel)
	}
	t := make(value.Tuple, len(rel.Columns))
	for i, c := range rel.Columns {
		switch {
		case c.Type == value.KindInt && i == 0:
			t[i] = value.Int(int64(k))
		case c.Type == value.KindString:
			t[i] = value.Str("s" + strconv.Itoa(r.IntN(4)))
		case c.Type == value.KindAddr:
			t[i] = value.AddrOf(addrs[r.IntN(len(addrs))])
		default:
			t[i] = value.Int(r.Int64N(8))
		}
	}
	return t
}
