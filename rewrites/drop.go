package rewrites

import (
	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/syntax"
)

// Drop is the plan step `drop` (not one of the paper's rewrites): it
// removes rules deriving invariant relations. Invariants are safety checks
// that stop a simulated run; they are not outputs, so removing one cannot
// change a history, only what a run checks.
const Drop Kind = "drop"

func init() {
	kindNames[Drop] = "drop"
	kindCite[Drop] = "invariants are not outputs"
}

// DropInvariants removes rules (of invariant relations only) from comp.
func DropInvariants(p *analysis.Program, comp string, rules []*analysis.Rule) error {
	drop := map[syntax.Item]bool{}
	for _, r := range rules {
		rel := p.Relation(r.Head.Rel)
		if rel == nil || !rel.Invariant {
			return refuse(p, r.Pos, "drop", "only invariants", "drop only rules deriving .invariant relations; outputs and state are part of the behaviour",
				"rule at %s derives %s, which is not an .invariant", at(p, r), r.Head.Rel)
		}
		if r.Source != nil {
			drop[r.Source] = true
		}
	}
	blk := block(p.File, comp)
	if blk == nil {
		return refuse(p, syntax.Pos{}, "drop", "component block", "write the program with component blocks", "component %s has no block", comp)
	}
	var keep []syntax.Item
	for _, it := range blk.Items {
		if !drop[it] {
			keep = append(keep, it)
		}
	}
	blk.Items = keep
	// An invariant no remaining rule derives loses its directive too.
	still := map[string]bool{}
	for _, r := range p.Rules {
		if r.Source != nil && !drop[r.Source] {
			still[r.Head.Rel] = true
		}
	}
	gone := func(it syntax.Item) bool {
		d, ok := it.(*syntax.Decl)
		return ok && d.Kind == syntax.DeclInvariant && !still[d.Name.Name] && in(rules, firstDeriving(rules, d.Name.Name))
	}
	p.File.Items = filterItems(p.File.Items, gone)
	for _, it := range p.File.Items {
		if c, ok := it.(*syntax.Component); ok {
			c.Items = filterItems(c.Items, gone)
		}
	}
	return nil
}

func firstDeriving(rules []*analysis.Rule, rel string) *analysis.Rule {
	for _, r := range rules {
		if r.Head.Rel == rel {
			return r
		}
	}
	return nil
}

func filterItems(items []syntax.Item, drop func(syntax.Item) bool) []syntax.Item {
	var out []syntax.Item
	for _, it := range items {
		if !drop(it) {
			out = append(out, it)
		}
	}
	return out
}
