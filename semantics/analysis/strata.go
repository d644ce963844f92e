package analysis

import (
	"sort"
	"strings"

	"gonum.org/v1/gonum/graph/simple"
	"gonum.org/v1/gonum/graph/topo"

	"github.com/dsim-project/dsim/semantics/syntax"
)

// This file stratifies each component's Sync rules. Relations are nodes of
// a dependency graph with an edge from each body relation to the head
// relation, negative when the body atom is negated or the head aggregates.
// Strongly connected components (gonum's Tarjan) are evaluated together;
// an SCC holding a negative edge is recursion through negation or
// aggregation within one tick, which has no stratified meaning. SCCs are
// ordered topologically, ties broken by their smallest relation name, and
// each SCC that some Sync rule derives becomes one stratum.

// depEdge describes the dependency of a head relation on a body relation.
type depEdge struct {
	negated, aggregate bool
	negPos             syntax.Pos // first negated atom or aggregate making it negative
}

func (e *depEdge) negative() bool { return e.negated || e.aggregate }

func (a *analyser) stratify(c *Component) {
	var sync []*Rule
	names := map[string]bool{}
	for _, r := range c.Rules {
		if r.Kind != Sync {
			continue
		}
		sync = append(sync, r)
		names[r.Head.Rel] = true
		for _, l := range r.Body {
			if l.Kind == LitAtom || l.Kind == LitNegated {
				names[l.Rel] = true
			}
		}
	}
	if len(sync) == 0 {
		return
	}
	sorted := make([]string, 0, len(names))
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	id := make(map[string]int64, len(sorted))
	for i, n := range sorted {
		id[n] = int64(i)
	}
	// edges[[body, head]]
	edges := map[[2]int64]*depEdge{}
	g := simple.NewDirectedGraph()
	for i := range sorted {
		g.AddNode(simple.Node(int64(i)))
	}
	for _, r := range sync {
		head := id[r.Head.Rel]
		for _, l := range r.Body {
			if l.Kind != LitAtom && l.Kind != LitNegated {
				continue
			}
			key := [2]int64{id[l.Rel], head}
			e := edges[key]
			if e == nil {
				e = &depEdge{}
				edges[key] = e
				if key[0] != key[1] {
					g.SetEdge(g.NewEdge(simple.Node(key[0]), simple.Node(key[1])))
				}
			}
			wasNeg := e.negative()
			if l.Kind == LitNegated {
				e.negated = true
			}
			if r.Head.HasAggregate {
				e.aggregate = true
			}
			if !wasNeg && e.negative() {
				e.negPos = l.Pos
				if l.Kind != LitNegated {
					e.negPos = aggPos(r)
				}
			}
		}
	}
	scc := make([]int, len(sorted)) // node -> component index
	comps := topo.TarjanSCC(g)
	for ci, comp := range comps {
		for _, n := range comp {
			scc[n.ID()] = ci
		}
	}
	// Every SCC with a negative edge inside is an error.
	bad := make([]bool, len(comps))
	var badEdges [][2]int64
	for key, e := range edges {
		if e.negative() && scc[key[0]] == scc[key[1]] {
			badEdges = append(badEdges, key)
		}
	}
	sort.Slice(badEdges, func(i, j int) bool {
		x, y := edges[badEdges[i]], edges[badEdges[j]]
		if x.negPos != y.negPos {
			return posLess(x.negPos, y.negPos)
		}
		return badEdges[i][0] < badEdges[j][0] || (badEdges[i][0] == badEdges[j][0] && badEdges[i][1] < badEdges[j][1])
	})
	for _, key := range badEdges {
		ci := scc[key[0]]
		if bad[ci] {
			continue
		}
		bad[ci] = true
		a.reportCycle(sorted, edges, scc, key)
	}
	// Topological order of SCCs: Kahn's algorithm, smallest name first.
	minID := make([]int64, len(comps))
	for ci, comp := range comps {
		minID[ci] = int64(len(sorted))
		for _, n := range comp {
			minID[ci] = min(minID[ci], n.ID())
		}
	}
	indeg := make([]int, len(comps))
	succ := make([]map[int]bool, len(comps))
	for key := range edges {
		x, y := scc[key[0]], scc[key[1]]
		if x == y {
			continue
		}
		if succ[x] == nil {
			succ[x] = map[int]bool{}
		}
		if !succ[x][y] {
			succ[x][y] = true
			indeg[y]++
		}
	}
	var ready []int
	for ci := range comps {
		if indeg[ci] == 0 {
			ready = append(ready, ci)
		}
	}
	derived := map[string]bool{}
	for _, r := range sync {
		derived[r.Head.Rel] = true
	}
	for len(ready) > 0 {
		sort.Slice(ready, func(i, j int) bool { return minID[ready[i]] < minID[ready[j]] })
		ci := ready[0]
		ready = ready[1:]
		for y := range succ[ci] {
			indeg[y]--
			if indeg[y] == 0 {
				ready = append(ready, y)
			}
		}
		var st Stratum
		for _, n := range comps[ci] {
			if name := sorted[n.ID()]; derived[name] {
				st.Relations = append(st.Relations, name)
			}
		}
		if len(st.Relations) == 0 {
			continue
		}
		sort.Strings(st.Relations)
		for _, r := range sync {
			if scc[id[r.Head.Rel]] == ci {
				r.Stratum = len(c.Strata)
				st.Rules = append(st.Rules, r)
			}
		}
		c.Strata = append(c.Strata, st)
	}
}

// aggPos is the position of a rule's first aggregate.
func aggPos(r *Rule) syntax.Pos {
	if r.Source != nil {
		for _, h := range r.Source.Head.Args {
			if h.Agg != nil {
				return h.Agg.Pos
			}
		}
	}
	return r.Pos
}

// reportCycle names the cycle through the negative edge body -> head, in
// dependency order: head -> !body -> ... -> head.
func (a *analyser) reportCycle(names []string, edges map[[2]int64]*depEdge, scc []int, key [2]int64) {
	body, head := key[0], key[1]
	// dependsOn[x] lists the relations x's rules read, within the SCC.
	dependsOn := map[int64][]int64{}
	for k := range edges {
		if scc[k[0]] == scc[body] && scc[k[1]] == scc[body] {
			dependsOn[k[1]] = append(dependsOn[k[1]], k[0])
		}
	}
	for _, v := range dependsOn {
		sort.Slice(v, func(i, j int) bool { return v[i] < v[j] })
	}
	// Shortest path body ~> head along dependencies (BFS, sorted neighbours).
	prev := map[int64]int64{body: -1}
	queue := []int64{body}
	for len(queue) > 0 && body != head {
		x := queue[0]
		queue = queue[1:]
		if x == head {
			break
		}
		for _, y := range dependsOn[x] {
			if _, seen := prev[y]; !seen {
				prev[y] = x
				queue = append(queue, y)
			}
		}
	}
	path := []int64{head}
	if body != head {
		var back []int64
		for x := head; x != -1; x = prev[x] {
			back = append(back, x)
			if _, ok := prev[x]; !ok {
				break
			}
		}
		for i := len(back) - 1; i >= 0; i-- {
			path = append(path, back[i])
		}
	} else {
		path = append(path, head)
	}
	var b strings.Builder
	b.WriteString(names[path[0]])
	for i := 1; i < len(path); i++ {
		e := edges[[2]int64{path[i], path[i-1]}]
		b.WriteString(" -> ")
		switch {
		case e != nil && e.negated:
			b.WriteString("!" + names[path[i]])
		case e != nil && e.aggregate:
			b.WriteString("aggregate(" + names[path[i]] + ")")
		default:
			b.WriteString(names[path[i]])
		}
	}
	e := edges[key]
	if e.negated {
		a.errorf(e.negPos, "derive one relation of the cycle with :+ (next tick) or :~ instead of :-, so that the negation reads a finished tick",
			"unstratifiable negation: %s", b.String())
	} else {
		a.errorf(e.negPos, "derive one relation of the cycle with :+ (next tick) or :~ instead of :-, so that the aggregate reads a finished tick",
			"recursion through aggregation: %s", b.String())
	}
}
