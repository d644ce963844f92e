package rewrites

import (
	"fmt"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/syntax"
)

// Partitioning (paper §4.1 co-hashing, §4.2 dependencies): C gets P
// instances per original instance, and every rule that sends C one of the
// relations it reads computes the destination from the fact through the
// distribution policy (redirection with partitioning).
//
// Instance numbering follows the corpus (docs/CORPUS.md): a component whose
// original has n instances holds n × P, and instance i is partition i / n
// of original instance i mod n. For n = 1 the destination of a fact with
// key value K is C[K] (instance K mod P). For n > 1 the program gets the
// static fact COriginals(n), each sender computes P as its count of C's
// instances divided by n, and a fact for original instance a goes to
// C[a + n * (K mod P)]. Every other use of the enumeration C(x) (counting
// the nodes, say) is rewritten to enumerate partition 0 of each original
// instance, so that it still sees n nodes.

// Partition applies partitioning of kind (Cohash or Deps) to comp, with
// parts partitions per original instance and the keys in fixed pinned.
func Partition(p *analysis.Program, kind Kind, comp string, parts int, fixed Policy, pos syntax.Pos) (Policy, error) {
	pol, _, err := partition(p, kind, comp, parts, fixed, pos, nil, nil, nil)
	return pol, err
}

// helperNames are the relations partitioning adds for an original with
// several instances ("" when it has one).
type helperNames struct{ originals, partitions, instances string }

// partition is Partition with relations treated as replicated (extra) and
// rules deriving the relations in skip left alone, for partial
// partitioning; local relations are computed by each partition over its
// own facts (partitioned aggregates, partagg.go).
func partition(p *analysis.Program, kind Kind, comp string, parts int, fixed Policy, pos syntax.Pos, extra, skip, local map[string]bool) (Policy, helperNames, error) {
	var none helperNames
	name := kind.Name()
	cite := kindCite[kind]
	c := p.Component(comp)
	if c == nil {
		return nil, none, refuse(p, pos, name, "component exists", "name a component the program declares", "no component %s", comp)
	}
	blk := block(p.File, comp)
	if blk == nil {
		return nil, none, refuse(p, pos, name, "component block", "write the program with component blocks", "component %s has no block", comp)
	}
	if parts < 1 {
		return nil, none, refuse(p, pos, name, "partitions", "write partitions=N with N >= 1", "partitions must be at least 1, got %d", parts)
	}
	for _, in := range append(append([]string{}, c.ClientInputs...), c.Timers...) {
		rel := p.Relation(in)
		return nil, none, refuse(p, rel.Pos, name, "inputs are messages",
			"decouple the rules reading "+in+" into another component first (clients cannot address partitions)",
			"%s receives %s from outside the program (a client input or timer), which cannot be sent to one partition (%s)", comp, in, cite)
	}
	if err := checkEntangled(p, kind, comp); err != nil {
		return nil, none, err
	}
	pol, conflict := findPolicy(p, c, kind == Deps, fixed, extra, local)
	if conflict != nil {
		hint := "co-hashing needs every rule to join, group and anti-join on one attribute; try deps (partitioning with dependencies), or partial partitioning"
		if kind == Deps {
			hint = "no column, or function of a column the program computes, is shared by every rule; the relation cannot be partitioned without replication (partial partitioning)"
		}
		if conflict.Rule == nil {
			return nil, none, refuse(p, blk.Pos, name, "a consistent distribution policy", hint, "no distribution policy for %s: %s (%s)", comp, conflict.Reason, cite)
		}
		return nil, none, refuse(p, conflict.Rule.Pos, name, "a consistent distribution policy", hint,
			"rule at %s: %s; no distribution policy for %s is consistent with every rule (%s)", at(p, conflict.Rule), conflict.Reason, comp, cite)
	}
	n := blk.Count
	if !blk.HasCount {
		n = 1
	}
	taken := map[string]bool{}
	origRel, partRel, instRel := "", "", ""
	if n > 1 {
		origRel = fresh(p, taken, comp+"Originals")
		partRel = fresh(p, taken, comp+"Partitions")
		instRel = fresh(p, taken, comp+"Instances")
		fact := &syntax.Fact{Head: syntax.Head{Name: syntax.Ident{Name: origRel}, Args: []syntax.HeadArg{{Expr: &syntax.IntLit{Value: n}}}}}
		fact.Doc = note(fmt.Sprintf("%s (%s): the original program has %d %s instances.", name, cite, n, comp))
		insertTopDecl(p.File, fact)
	}
	helpers := map[*syntax.Component]bool{}
	redirected := map[*syntax.Rule]bool{}
	for _, rel := range c.Inputs {
		k, ok := pol[rel]
		if !ok {
			continue
		}
		for _, r := range p.Rules {
			if r.Head.Rel != rel || r.Kind != analysis.Async || r.Source == nil {
				continue
			}
			s := r.Source
			if k.Col >= len(s.Head.Args) || s.Head.Args[k.Col].Expr == nil {
				return nil, none, refuse(p, r.Pos, name, "redirection with partitioning", "send the key as a plain column", "rule at %s sends %s without a key value in column %d", at(p, r), rel, k.Col+1)
			}
			key := k.value(s.Head.Args[k.Col].Expr)
			var err error
			ok, desc := retarget(p, r, comp, func(s *syntax.Rule, a *syntax.Atom) {
				x := a.Args[0].(*syntax.Ident).Name
				err = partitionAtom(s, a, x, key, n, comp, origRel, partRel)
			}, func(s *syntax.Rule, ia *syntax.InstanceAddr) {
				partitionInstance(s, ia, key, n, origRel, partRel)
			})
			if err != nil {
				return nil, none, refuse(p, r.Pos, name, "redirection with partitioning", "use the destination variable only in the @ position",
					"rule at %s: %v (%s)", at(p, r), err, cite)
			}
			if desc != "" {
				return nil, none, refuse(p, r.Pos, name, "redirection with partitioning", "send "+rel+" to an address enumerated by "+comp+"(a) or written "+comp+"[k]",
					"rule at %s sends %s to %s; the rewrite cannot compute its partition (%s)", at(p, r), rel, desc, cite)
			}
			if ok {
				redirected[s] = true
				s.Doc = append(s.Doc, note(fmt.Sprintf("%s (%s): %s goes to the partition of %s.", name, cite, rel, k.String(p, p.Relation(rel))))...)
				if n > 1 {
					helpers[blockOf(p.File, r.Component)] = true
				}
			}
		}
	}
	// Enumerations elsewhere keep seeing the original's n instances.
	for _, r := range p.Rules {
		if r.Source == nil || redirected[r.Source] || skip[r.Head.Rel] {
			continue
		}
		enumerations(r.Source, comp, n, origRel)
	}
	for _, it := range p.File.Items {
		cb, ok := it.(*syntax.Component)
		if !ok || !helpers[cb] {
			continue
		}
		cnt := &syntax.Rule{Kind: syntax.Sync, Head: syntax.Head{Name: syntax.Ident{Name: instRel}, Args: []syntax.HeadArg{{Agg: &syntax.Aggregate{Func: syntax.AggCount, Args: []*syntax.Ident{ident("a")}}}}},
			Body: []syntax.Literal{atom(comp, "a")}}
		cnt.Doc = note(fmt.Sprintf("%s (%s): partitions per original %s instance.", name, cite, comp))
		pr := &syntax.Rule{Kind: syntax.Sync, Head: syntax.Head{Name: syntax.Ident{Name: partRel}, Args: []syntax.HeadArg{{Expr: ident("k")}}},
			Body: []syntax.Literal{atom(instRel, "n"), atom(origRel, "m"), &syntax.Compare{Op: "=", Left: ident("k"), Right: &syntax.Binary{Op: "/", Left: ident("n"), Right: ident("m")}}}}
		cb.Items = append([]syntax.Item{cnt, pr}, cb.Items...)
	}
	if blk.Refines == nil {
		blk.Refines = ident(comp)
	}
	blk.Count = n * int64(parts)
	blk.HasCount = true
	blk.Doc = append(blk.Doc, note(fmt.Sprintf("%s (%s): %d partitions per original instance, by %s.", name, cite, parts, policyText(p, pol)))...)
	return pol, helperNames{origRel, partRel, instRel}, nil
}

func blockOf(f *syntax.File, comp string) *syntax.Component { return block(f, comp) }

// policyText renders a policy as "rel.key, ..." for comments and reports.
func policyText(p *analysis.Program, pol Policy) string {
	s := ""
	for i, r := range pol.Relations() {
		if i > 0 {
			s += ", "
		}
		s += r + "(" + pol[r].String(p, p.Relation(r)) + ")"
	}
	return s
}

// partitionAtom rewrites a rule sending to x, enumerated by comp(x).
func partitionAtom(s *syntax.Rule, a *syntax.Atom, x string, key syntax.Expr, n int64, comp, origRel, partRel string) error {
	var dest syntax.Expr
	var extra []syntax.Literal
	if n == 1 {
		dest = &syntax.InstanceAddr{Comp: syntax.Ident{Name: comp}, Index: key}
	} else {
		taken := map[string]bool{}
		m, k := freshVar(s, taken, "m"), freshVar(s, taken, "k")
		extra = []syntax.Literal{atom(origRel, m), atom(partRel, k), atom("less_than", x, m)}
		dest = &syntax.InstanceAddr{Comp: syntax.Ident{Name: comp}, Index: &syntax.Binary{Op: "+", Left: ident(x),
			Right: &syntax.Binary{Op: "*", Left: ident(m), Right: &syntax.Binary{Op: "%", Left: key, Right: ident(k)}}}}
	}
	uses := varUses(s, x)
	var body []syntax.Literal
	for _, l := range s.Body {
		if l == syntax.Literal(a) {
			body = append(body, extra...)
			if n == 1 && uses > 2 {
				body = append(body, &syntax.Compare{Op: "=", Left: ident(x), Right: subst(dest, nil)})
			}
			continue
		}
		body = append(body, l)
	}
	if n > 1 && uses > 2 {
		// x now numbers the original instance; the address is computed.
		return fmt.Errorf("rule uses the destination %s elsewhere", x)
	}
	s.Body = body
	s.Head.At = dest
	return nil
}

// partitionInstance rewrites a destination comp[e].
func partitionInstance(s *syntax.Rule, ia *syntax.InstanceAddr, key syntax.Expr, n int64, origRel, partRel string) {
	if n == 1 {
		ia.Index = key
		return
	}
	taken := map[string]bool{}
	m, k := freshVar(s, taken, "m"), freshVar(s, taken, "k")
	s.Body = append(s.Body, atom(origRel, m), atom(partRel, k))
	ia.Index = &syntax.Binary{Op: "+", Left: &syntax.Binary{Op: "%", Left: ia.Index, Right: ident(m)},
		Right: &syntax.Binary{Op: "*", Left: ident(m), Right: &syntax.Binary{Op: "%", Left: key, Right: ident(k)}}}
}

// enumerations rewrites comp(x) atoms of s to enumerate partition 0 of each
// original instance.
func enumerations(s *syntax.Rule, comp string, n int64, origRel string) {
	var body []syntax.Literal
	changed := false
	for _, l := range s.Body {
		a, ok := l.(*syntax.Atom)
		if !ok || a.Negated || a.Name.Name != comp || len(a.Args) != 1 {
			body = append(body, l)
			continue
		}
		x, ok := a.Args[0].(*syntax.Ident)
		if !ok {
			body = append(body, l)
			continue
		}
		changed = true
		if n == 1 {
			body = append(body, &syntax.Compare{Op: "=", Left: ident(x.Name), Right: &syntax.InstanceAddr{Comp: syntax.Ident{Name: comp}, Index: &syntax.IntLit{Value: 0}}})
			continue
		}
		taken := map[string]bool{}
		m, i := freshVar(s, taken, "m"), freshVar(s, taken, "i")
		body = append(body, atom(origRel, m), atom("less_than", i, m),
			&syntax.Compare{Op: "=", Left: ident(x.Name), Right: &syntax.InstanceAddr{Comp: syntax.Ident{Name: comp}, Index: ident(i)}})
	}
	if changed {
		s.Body = body
		s.Doc = append(s.Doc, note(fmt.Sprintf("partitioning: %s(..) enumerates partition 0 of each original instance.", comp))...)
	}
}
