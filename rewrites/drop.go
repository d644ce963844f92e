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
	return nil
}
