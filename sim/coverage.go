package sim

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/eval"
)

// Rule coverage of a run (Config.Coverage; docs/CHECKING.md, "Rule
// coverage"): which rules did something. A verdict or an exploration is
// only as strong as the rules its runs exercised.

// Coverage counts, per rule of the program (indexed by rule ID), what the
// rule did over one or more runs.
type Coverage struct {
	Rules []RuleCoverage
	Runs  int
}

// RuleCoverage is one rule's counts.
type RuleCoverage struct {
	// Fired counts ticks in which the rule produced a head tuple (for an
	// invariant's rule: a violation).
	Fired int
	// Evaluated counts ticks of nodes of the rule's component: how often
	// the rule was evaluated at all.
	Evaluated int
	// Async rules: messages sent, lost (omission or partition), and
	// delivered before a message sent earlier on the same channel.
	Sent, Lost, Overtook int
}

func newCoverage(prog *analysis.Program) *Coverage {
	return &Coverage{Rules: make([]RuleCoverage, len(prog.Rules)), Runs: 1}
}

// Merge adds o's counts (of the same program) to c.
func (c *Coverage) Merge(o *Coverage) {
	if o == nil {
		return
	}
	if len(c.Rules) < len(o.Rules) {
		c.Rules = append(c.Rules, make([]RuleCoverage, len(o.Rules)-len(c.Rules))...)
	}
	for i, r := range o.Rules {
		x := &c.Rules[i]
		x.Fired += r.Fired
		x.Evaluated += r.Evaluated
		x.Sent += r.Sent
		x.Lost += r.Lost
		x.Overtook += r.Overtook
	}
	c.Runs += o.Runs
}

// covTracker is the world's coverage state during a run.
type covTracker struct {
	cov     *Coverage
	arrival map[[2]int]int64 // per channel (from, to): latest arrival of a message sent so far
}

func (t *covTracker) tick(comp *analysis.Component, res *eval.Result) {
	for _, r := range comp.Rules {
		t.cov.Rules[r.ID].Evaluated++
	}
	for _, id := range res.Fired {
		t.cov.Rules[id].Fired++
	}
	for _, m := range res.Sends {
		t.cov.Rules[m.Rule].Sent++
	}
}

func (t *covTracker) sent(rule, from, to int, lost bool, arrive int64) {
	if lost {
		t.cov.Rules[rule].Lost++
		return
	}
	k := [2]int{from, to}
	if last, ok := t.arrival[k]; ok && arrive < last {
		t.cov.Rules[rule].Overtook++
	}
	t.arrival[k] = max(t.arrival[k], arrive)
}

// counted reports whether a rule counts towards the coverage percentage:
// every rule but those deriving an invariant, which should never fire.
func counted(prog *analysis.Program, r *analysis.Rule) bool {
	rel := prog.Relation(r.Head.Rel)
	return rel == nil || !rel.Invariant
}

// Summary is the share of counted rules that fired, and those that never
// did, by position.
func (c *Coverage) Summary(prog *analysis.Program) (fired, total int, never []string) {
	for _, r := range prog.Rules {
		if !counted(prog, r) || r.ID >= len(c.Rules) {
			continue
		}
		total++
		if c.Rules[r.ID].Fired > 0 {
			fired++
		} else {
			never = append(never, RuleName(prog, r))
		}
	}
	return fired, total, never
}

// RuleName names a rule by position and head: `file:3:3 signed` (a rule
// .persist added is named by its declaration's relation).
func RuleName(prog *analysis.Program, r *analysis.Rule) string {
	return fmt.Sprintf("%s:%d:%d %s", prog.File.Name, r.Pos.Line, r.Pos.Col, r.Head.Rel)
}

// Text renders the coverage as a table, one rule per line in source order.
func (c *Coverage) Text(prog *analysis.Program) string {
	var b strings.Builder
	fired, total, _ := c.Summary(prog)
	fmt.Fprintf(&b, "coverage of %s over %d runs: %d of %d rules fired (invariant rules not counted)\n", prog.File.Name, c.Runs, fired, total)
	fmt.Fprintf(&b, "  %-8s %-9s %-24s %8s %9s %s\n", "line:col", "kind", "head", "fired", "evaluated", "messages")
	for _, r := range prog.Rules {
		rc := c.Rules[r.ID]
		kind := r.Kind.String()
		head := r.Head.Rel
		if rel := prog.Relation(head); rel != nil && rel.Invariant {
			kind = "invariant"
		}
		msgs := ""
		if r.Kind == analysis.Async {
			msgs = fmt.Sprintf("sent %d, lost %d, overtook %d", rc.Sent, rc.Lost, rc.Overtook)
		}
		mark := " "
		if rc.Fired == 0 && counted(prog, r) {
			mark = "!"
		}
		fmt.Fprintf(&b, "%s %-8s %-9s %-24s %8d %9d %s\n", mark, fmt.Sprintf("%d:%d", r.Pos.Line, r.Pos.Col), kind, head, rc.Fired, rc.Evaluated, msgs)
	}
	b.WriteString("  (! never fired; fired: ticks in which the rule produced a head tuple; for an invariant, a violation)\n")
	return b.String()
}

// JSON renders the coverage for machines.
func (c *Coverage) JSON(prog *analysis.Program) []byte {
	type jr struct {
		Rule      string `json:"rule"`
		Kind      string `json:"kind"`
		Head      string `json:"head"`
		Invariant bool   `json:"invariant,omitempty"`
		Fired     int    `json:"fired"`
		Evaluated int    `json:"evaluated"`
		Sent      int    `json:"sent,omitempty"`
		Lost      int    `json:"lost,omitempty"`
		Overtook  int    `json:"overtook,omitempty"`
	}
	fired, total, never := c.Summary(prog)
	out := struct {
		Program string   `json:"program"`
		Runs    int      `json:"runs"`
		Fired   int      `json:"fired"`
		Counted int      `json:"counted"`
		Never   []string `json:"never_fired"`
		Rules   []jr     `json:"rules"`
	}{Program: prog.File.Name, Runs: c.Runs, Fired: fired, Counted: total, Never: never}
	for _, r := range prog.Rules {
		rc := c.Rules[r.ID]
		out.Rules = append(out.Rules, jr{Rule: fmt.Sprintf("%s:%d:%d", prog.File.Name, r.Pos.Line, r.Pos.Col), Kind: r.Kind.String(), Head: r.Head.Rel,
			Invariant: !counted(prog, r), Fired: rc.Fired, Evaluated: rc.Evaluated, Sent: rc.Sent, Lost: rc.Lost, Overtook: rc.Overtook})
	}
	data, _ := json.MarshalIndent(out, "", "  ")
	return append(data, '\n')
}

func (w *world) coverage() *Coverage {
	if w.cov == nil {
		return nil
	}
	return w.cov.cov
}
