package rewrites

import (
	"fmt"
	"strings"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/syntax"
)

// Decoupling (paper §3, report App. A): split component C into C1, which
// stays, and C2 (the rules selected), which moves to a new component N
// refining the same original. The three variants differ in their
// precondition and in how the relations C1 computes for C2 travel:
//
//   - mutually independent (§3.1): nothing travels; the senders of C2's
//     inputs are redirected to N;
//   - monotonic (§3.2): C1 sends each fact of r it derives as rFwd (a copy
//     of each rule deriving r, made asynchronous), and N keeps a persisted
//     alias of it, so C2's inputs stay persisted whatever the network does;
//   - functional (§3.3): C1 forwards r as rFwd each tick and C2 reads rFwd
//     directly; C2 is stateless, so it needs no persistence.
//
// Relations C2 reads that come from elsewhere are redirected (redirect.go).

// Kind names a rewrite as the plan format spells it.
type Kind string

// The rewrites of the plan format.
const (
	Mutual     Kind = "mutual"     // mutually independent decoupling, §3.1
	Monotonic  Kind = "monotonic"  // monotonic decoupling, §3.2
	Functional Kind = "functional" // functional decoupling, §3.3
	Cohash     Kind = "cohash"     // partitioning with co-hashing, §4.1
	Deps       Kind = "deps"       // partitioning with dependencies, §4.2
	// StateMachine is state-machine decoupling with batching (App. A.4).
	StateMachine Kind = "statemachine"
)

var kindNames = map[Kind]string{
	Mutual:       "mutually independent decoupling",
	Monotonic:    "monotonic decoupling",
	Functional:   "functional decoupling",
	Cohash:       "partitioning with co-hashing",
	Deps:         "partitioning with dependencies",
	StateMachine: "state-machine decoupling",
}

var kindCite = map[Kind]string{
	Mutual:       "§3.1, App. A.1",
	Monotonic:    "§3.2, App. A.2",
	Functional:   "§3.3, App. A.3",
	Cohash:       "§4.1, App. B.1",
	Deps:         "§4.2, App. B.2",
	StateMachine: "App. A.4",
}

// Name is the rewrite's name in messages.
func (k Kind) Name() string { return kindNames[k] }

// forceDecoupling makes Decouple apply a decoupling whose own precondition
// (decouplePre) fails. Only tests set it (relaxation_controls_test.go): a
// program just outside a relaxation is refused, and the mechanism forced on
// it shows the counterexample the precondition keeps out.
var forceDecoupling bool

// Decouple applies a decoupling of kind to component comp of p, moving the
// rules c2 to a new component named to. It edits p.File in place.
func Decouple(p *analysis.Program, kind Kind, comp string, c2 []*analysis.Rule, to string, pos syntax.Pos) error {
	name := kind.Name()
	c := p.Component(comp)
	if c == nil {
		return refuse(p, pos, name, "component exists", "name a component the program declares", "no component %s", comp)
	}
	blk := block(p.File, comp)
	if blk == nil {
		return refuse(p, pos, name, "component block", "write the program with component blocks", "component %s has no block to split", comp)
	}
	if p.Component(to) != nil || p.Relation(to) != nil || builtin(to) {
		return refuse(p, pos, name, "fresh name", "choose a name no component or relation uses", "%s is already a component or relation of the program", to)
	}
	// Functional decoupling may move every rule: C1 is then a relay that
	// forwards the client inputs C2 reads (clients keep addressing C).
	relay := kind == Functional && len(c2) == len(c.Rules) && len(c.ClientInputs) > 0
	if len(c2) == 0 || (len(c2) == len(c.Rules) && !relay) {
		return refuse(p, pos, name, "C1 and C2 non-empty", "select some, but not all, rules of "+comp, "C2 must hold some but not all of %s's %d rules (it holds %d)", comp, len(c.Rules), len(c2))
	}
	in2 := map[*analysis.Rule]bool{}
	for _, r := range c2 {
		in2[r] = true
	}
	var c1 []*analysis.Rule
	for _, r := range c.Rules {
		if !in2[r] {
			c1 = append(c1, r)
		}
	}
	cite := kindCite[kind]
	if err := decouplePre(p, kind, c, c1, c2, cite); err != nil && !forceDecoupling {
		return err
	}
	if err := checkEntangled(p, kind, comp); err != nil {
		return err
	}
	v1, v2 := VocabOf(p, c1), VocabOf(p, c2)
	// A component with several instances is decoupled pairwise: NEW gets
	// as many instances, and instance i of C forwards (or sends batches)
	// to instance i of NEW only (forwardOwn, ownIndex), so that each pair
	// stands for instance i of the original.
	for _, t := range c.Timers {
		if contains(v1.References, t) && contains(v2.References, t) {
			r2, r1 := firstReading(p, c2, t), firstReading(p, c1, t)
			return refuse(p, r2.Pos, name, "timer in one part", "give C2 its own timer, or keep every rule reading "+t+" on one side",
				"rule at %s (C2) reads timer %s, which C1 also reads (rule at %s); a timer fires at one node, so it cannot be split between %s and %s (%s)", at(p, r2), t, at(p, r1), comp, to, cite)
		}
	}

	// The new component, after C's block.
	orig := comp
	if blk.Refines != nil {
		orig = blk.Refines.Name
	} else {
		blk.Refines = ident(comp)
	}
	nb := &syntax.Component{Name: syntax.Ident{Name: to}, Count: blk.Count, HasCount: blk.HasCount, Refines: ident(orig)}
	nb.Doc = note(fmt.Sprintf("%s (%s): the rules of %s moved here (C2).", name, cite, comp))
	moved := map[syntax.Item]bool{}
	srcOf := map[*syntax.Rule]bool{}
	for _, r := range c2 {
		if r.Source != nil {
			srcOf[r.Source] = true
		}
	}
	heads2 := set(v2.Heads)
	heads1 := set(v1.Heads)
	for _, it := range blk.Items {
		switch x := it.(type) {
		case *syntax.Rule:
			moved[it] = srcOf[x]
		case *syntax.Decl:
			r := x.Name.Name
			switch x.Kind {
			case syntax.DeclPersist:
				moved[it] = heads2[r] && !heads1[r]
			case syntax.DeclOutput, syntax.DeclRelation, syntax.DeclInvariant, syntax.DeclStatic, syntax.DeclAsync:
				moved[it] = heads2[r] && !heads1[r]
			case syntax.DeclInput, syntax.DeclTimer:
				moved[it] = kind == Mutual && contains(v2.References, r) && !contains(v1.References, r)
			}
		}
	}
	var keep []syntax.Item
	for _, it := range blk.Items {
		if moved[it] {
			nb.Items = append(nb.Items, it)
		} else {
			keep = append(keep, it)
		}
	}
	blk.Items = keep
	i := blockIndex(p.File, blk)
	p.File.Items = append(p.File.Items[:i+1], append([]syntax.Item{nb}, p.File.Items[i+1:]...)...)

	// How C2's inputs reach N.
	taken := map[string]bool{}
	c2src := sourceRules(c2)
	selfIdx := "" // C's own instance number, when C has several
	own := func() string {
		if selfIdx == "" {
			selfIdx = ownIndex(p, taken, blk, comp, to, name, cite)
		}
		return selfIdx
	}
	if kind == StateMachine {
		dest := to + "(d)"
		if c.Count > 1 {
			dest = fmt.Sprintf("%s(i), d = %s[i]", own(), to)
		}
		batchToC2(p, taken, blk, nb, c2src, v2.Inputs, to, dest)
		return nil
	}
	if kind == Asymmetric {
		return asymmetricWire(p, taken, c, blk, nb, c1, c2, to, pos)
	}
	for _, r := range v2.Inputs {
		// A client input or timer of C that C2 reads enters at C, so C1
		// forwards it (except for mutual independence, where C2 alone
		// reads it and it is redirected: the .input moved with C2).
		entersC := kind != Mutual && (contains(c.ClientInputs, r) || contains(c.Timers, r))
		fromC1 := contains(v1.Heads, r) || contains(v1.References, r) || entersC
		if !fromC1 {
			if err := redirect(p, kind, comp, to, r, pos); err != nil {
				return err
			}
			continue
		}
		rel := p.Relation(r)
		fwd := fresh(p, taken, r+"Fwd")
		insertTopDecl(p.File, declLike(p, fwd, rel, fmt.Sprintf("%s (%s): %s sent from %s to %s.", name, cite, r, comp, to)))
		d := strings.ToLower(to[:1])
		switch kind {
		case Monotonic:
			copied := false
			for _, dr := range c1 {
				if dr.Head.Rel != r || dr.Kind == analysis.Persist || dr.Source == nil {
					continue
				}
				nr := copyRule(dr.Source)
				nr.Head.Name.Name = fwd
				nr.Kind = syntax.Async
				if c.Count > 1 {
					iv := freshVar(dr.Source, nil, "i")
					nr.Head.At = &syntax.InstanceAddr{Comp: syntax.Ident{Name: to}, Index: ident(iv)}
					nr.Body = append(nr.Body, atom(own(), iv))
				} else {
					dv := freshVar(dr.Source, nil, d)
					nr.Head.At = ident(dv)
					nr.Body = append(nr.Body, atom(to, dv))
				}
				nr.Doc = note(fmt.Sprintf("%s (%s): each %s fact derived here is also sent to %s.", name, cite, r, to))
				insertAfter(blk, dr.Source, nr)
				copied = true
			}
			if why := fmt.Sprintf("%s (%s): forwards %s to %s.", name, cite, r, to); !copied && c.Count > 1 {
				forwardOwn(p, blk, rel, fwd, to, own(), why)
			} else if !copied {
				forward(p, blk, rel, fwd, to, d, why)
			}
			alias := fresh(p, taken, to+capital(r))
			cols := columnVars(p, rel)
			ar := &syntax.Rule{Kind: syntax.Sync, Head: syntax.Head{Name: syntax.Ident{Name: alias}}, Body: []syntax.Literal{atom(fwd, cols...)}}
			for _, v := range cols {
				ar.Head.Args = append(ar.Head.Args, syntax.HeadArg{Expr: ident(v)})
			}
			ar.Doc = note(fmt.Sprintf("%s (%s): alias and persistence of the input %s.", name, cite, r))
			renameInBodies(c2src, r, alias)
			nb.Items = append([]syntax.Item{ar, &syntax.Decl{Kind: syntax.DeclPersist, Name: syntax.Ident{Name: alias}}}, nb.Items...)
		default:
			why := fmt.Sprintf("%s (%s): forwarding rule, %s goes to %s.", name, cite, r, to)
			if c.Count > 1 {
				forwardOwn(p, blk, rel, fwd, to, own(), why)
			} else {
				forward(p, blk, rel, fwd, to, d, why)
			}
			renameInBodies(c2src, r, fwd)
		}
	}
	return nil
}

// forward adds fwd@d(x..) :~ r(x..), to(d). to C1's block.
func forward(p *analysis.Program, blk *syntax.Component, rel *analysis.Relation, fwd, to, d, why string) {
	cols := columnVars(p, rel)
	for contains(cols, d) {
		d += "_"
	}
	nr := &syntax.Rule{Kind: syntax.Async, Head: syntax.Head{Name: syntax.Ident{Name: fwd}, At: ident(d)}}
	for _, v := range cols {
		nr.Head.Args = append(nr.Head.Args, syntax.HeadArg{Expr: ident(v)})
	}
	nr.Body = []syntax.Literal{atom(rel.Name, cols...), atom(to, d)}
	nr.Doc = note(why)
	blk.Items = append(blk.Items, nr)
}

// ownIndex adds to comp's block (blk) the relation holding the instance's
// own number (instance i of comp is comp[i]) and returns its name; peer
// is the component whose instance i it talks to.
func ownIndex(p *analysis.Program, taken map[string]bool, blk *syntax.Component, comp, peer, name, cite string) string {
	nodes, idx := fresh(p, taken, comp+"OwnNodes"), fresh(p, taken, comp+"OwnIndex")
	items := genItems(fmt.Sprintf("%s(count(a)) :- %s(a).\n%s(i) :- self(a), %s(n), less_than(i, n), (%s[i] == a).", nodes, comp, idx, nodes, comp))
	addDoc(items[0], note(fmt.Sprintf("%s (%s): instance i of %s talks to instance i of %s only.", name, cite, comp, peer)))
	blk.Items = append(blk.Items, items...)
	return idx
}

// forwardOwn adds fwd@to[i](x..) :~ r(x..), idx(i). to C's block.
func forwardOwn(p *analysis.Program, blk *syntax.Component, rel *analysis.Relation, fwd, to, idx, why string) {
	cols := columnVars(p, rel)
	i := "i"
	for contains(cols, i) {
		i += "_"
	}
	nr := &syntax.Rule{Kind: syntax.Async, Head: syntax.Head{Name: syntax.Ident{Name: fwd}, At: &syntax.InstanceAddr{Comp: syntax.Ident{Name: to}, Index: ident(i)}}}
	for _, v := range cols {
		nr.Head.Args = append(nr.Head.Args, syntax.HeadArg{Expr: ident(v)})
	}
	nr.Body = []syntax.Literal{atom(rel.Name, cols...), atom(idx, i)}
	nr.Doc = note(why)
	blk.Items = append(blk.Items, nr)
}

// insertAfter puts item nr right after rule r in blk.
func insertAfter(blk *syntax.Component, r *syntax.Rule, nr syntax.Item) {
	for i, it := range blk.Items {
		if it == r {
			blk.Items = append(blk.Items[:i+1], append([]syntax.Item{nr}, blk.Items[i+1:]...)...)
			return
		}
	}
	blk.Items = append(blk.Items, nr)
}

// decouplePre checks the precondition of kind.
func decouplePre(p *analysis.Program, kind Kind, c *analysis.Component, c1, c2 []*analysis.Rule, cite string) error {
	name := kind.Name()
	switch kind {
	case Mutual:
		if ok, d := MutuallyIndependent(p, c1, c2); !ok {
			if d.Shared {
				return refuse(p, d.Rule.Pos, name, "C1 and C2 are mutually independent",
					"move every rule reading "+d.Relation+" to the same side, or use monotonic or functional decoupling",
					"rule at %s (C2) reads %s, which C1 also reads; C1 and C2 must reference disjoint relations (%s)", at(p, d.Rule), d.Relation, cite)
			}
			side := "C1"
			if in(c2, d.Rule) {
				side = "C2"
			}
			return refuse(p, d.Rule.Pos, name, "C1 and C2 are mutually independent",
				"move the rules deriving "+d.Relation+" to the same side as this rule, or use monotonic or functional decoupling if only C2 depends on C1",
				"rule at %s (%s) reads %s, which the other side derives; C1 and C2 must not depend on each other (%s)", at(p, d.Rule), side, d.Relation, cite)
		}
	case StateMachine:
		return stateMachinePre(p, c, c1, c2)
	case Asymmetric:
		return asymmetricPre(p, c, c1, c2)
	case Monotonic, Functional:
		if ok, d := Independent(p, c1, c2); !ok {
			return refuse(p, d.Rule.Pos, name, "C1 is independent of C2",
				"move the rule to C2, or the rules deriving "+d.Relation+" to C1",
				"rule at %s (C1) reads %s, which C2 derives; C1 must not depend on C2 (%s)", at(p, d.Rule), d.Relation, cite)
		}
		if kind == Monotonic {
			if ok, v := IsMonotonic(p, c, c2); !ok {
				return refuse(p, v.Rule.Pos, name, "C2 is monotonic",
					"persist the input, or keep negation and non-threshold aggregation out of C2",
					"rule at %s %s; C2 must be monotonic (%s)", at(p, v.Rule), v.Reason, cite)
			}
		} else if ok, v := IsFunctional(p, c2); !ok {
			return refuse(p, v.Rule.Pos, name, "C2 is functional",
				"keep negation, aggregation, joins of IDB relations and next-tick rules out of C2",
				"rule at %s %s; C2 must be stateless (%s)", at(p, v.Rule), v.Reason, cite)
		}
	}
	return nil
}

func in(rules []*analysis.Rule, r *analysis.Rule) bool {
	for _, x := range rules {
		if x == r {
			return true
		}
	}
	return false
}
