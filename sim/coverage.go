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
	// Detail says that the body-level counts (RuleCoverage.Matched,
	// Blocked, LargestGroup, Capped) were collected (Config.CoverageDetail).
	Detail bool
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

	// The body-level counts (Config.CoverageDetail; coverage_detail.go):
	// Matched counts ticks in which the body, its negated literals set
	// aside, matched some row (for an invariant's rule: the invariant was
	// checked against data). Blocked counts, per negated literal of the
	// body (in source order), the rows it kept from the head. LargestGroup
	// is an aggregate rule's largest group (rows in one group of one
	// tick). Capped counts ticks whose matches were cut at
	// MaxDetailMatches, where the counts are lower bounds. Reached counts
	// ticks in which every positive atom of the body had rows: the rule
	// looked at data, whether or not its joins and filters held.
	Reached      int
	Matched      int
	Blocked      []int
	LargestGroup int
	Capped       int
}

func newCoverage(prog *analysis.Program, detail bool) *Coverage {
	c := &Coverage{Rules: make([]RuleCoverage, len(prog.Rules)), Runs: 1, Detail: detail}
	if detail {
		for _, r := range prog.Rules {
			if n := negations(r); n > 0 {
				c.Rules[r.ID].Blocked = make([]int, n)
			}
		}
	}
	return c
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
		x.Matched += r.Matched
		x.Reached += r.Reached
		x.Capped += r.Capped
		x.LargestGroup = max(x.LargestGroup, r.LargestGroup)
		if len(x.Blocked) < len(r.Blocked) {
			x.Blocked = append(x.Blocked, make([]int, len(r.Blocked)-len(x.Blocked))...)
		}
		for j, b := range r.Blocked {
			x.Blocked[j] += b
		}
	}
	c.Detail = c.Detail || o.Detail
	c.Runs += o.Runs
}

// covTracker is the world's coverage state during a run.
type covTracker struct {
	cov     *Coverage
	prog    *analysis.Program
	arrival map[[2]int]int64 // per channel (from, to): latest arrival of a message sent so far
}

func (t *covTracker) tick(node eval.Node, comp *analysis.Component, res *eval.Result) error {
	for _, r := range comp.Rules {
		t.cov.Rules[r.ID].Evaluated++
	}
	for _, id := range res.Fired {
		t.cov.Rules[id].Fired++
	}
	for _, m := range res.Sends {
		t.cov.Rules[m.Rule].Sent++
	}
	if t.cov.Detail {
		return t.detail(node, comp, res)
	}
	return nil
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

// Text renders the coverage as a table, one rule per line in source order,
// then one line per invariant.
func (c *Coverage) Text(prog *analysis.Program) string {
	var b strings.Builder
	fired, total, _ := c.Summary(prog)
	fmt.Fprintf(&b, "coverage of %s over %d runs: %d of %d rules fired (invariant rules not counted)\n", prog.File.Name, c.Runs, fired, total)
	matched := ""
	if c.Detail {
		matched = fmt.Sprintf(" %7s", "matched")
	}
	fmt.Fprintf(&b, "  %-8s %-9s %-24s %8s %9s%s %s\n", "line:col", "kind", "head", "fired", "evaluated", matched, "notes")
	for _, r := range prog.Rules {
		rc := c.Rules[r.ID]
		mark := " "
		if rc.Fired == 0 && counted(prog, r) {
			mark = "!"
		}
		if c.Detail {
			matched = fmt.Sprintf(" %7d", rc.Matched)
		}
		line := fmt.Sprintf("%s %-8s %-9s %-24s %8d %9d%s %s", mark, fmt.Sprintf("%d:%d", r.Pos.Line, r.Pos.Col), RuleKind(prog, r), r.Head.Rel, rc.Fired, rc.Evaluated, matched, strings.Join(c.Notes(r), "; "))
		b.WriteString(strings.TrimRight(line, " ") + "\n")
	}
	for _, inv := range c.Invariants(prog) {
		fmt.Fprintf(&b, "  invariant %s: %s\n", inv.Relation, inv.Text(c.Detail))
	}
	b.WriteString("  (! never fired; fired: ticks in which the rule produced a head tuple; for an invariant, a violation")
	if c.Detail {
		b.WriteString("; matched: ticks in which the body, negations aside, matched a row; blocked: rows a negated literal kept from the head")
	}
	b.WriteString(")\n")
	return b.String()
}

// RuleKind is the kind column of a rule: "invariant" for a rule deriving
// an invariant, the rule's kind otherwise.
func RuleKind(prog *analysis.Program, r *analysis.Rule) string {
	if !counted(prog, r) {
		return "invariant"
	}
	return r.Kind.String()
}

// Notes are a rule's counts beyond fired and evaluated: messages of an
// async rule, and with Detail the rows each negated literal blocked and
// an aggregate's largest group.
func (c *Coverage) Notes(r *analysis.Rule) []string {
	rc := c.Rules[r.ID]
	var out []string
	if r.Kind == analysis.Async {
		out = append(out, fmt.Sprintf("sent %d, lost %d, overtook %d", rc.Sent, rc.Lost, rc.Overtook))
	}
	if !c.Detail {
		return out
	}
	for k, l := range negatedLits(r) {
		n := 0
		if k < len(rc.Blocked) {
			n = rc.Blocked[k]
		}
		out = append(out, fmt.Sprintf("%s blocked %d", litName(l), n))
	}
	if r.Head.HasAggregate {
		out = append(out, fmt.Sprintf("largest group %d", rc.LargestGroup))
	}
	if rc.Capped > 0 {
		out = append(out, fmt.Sprintf("matches capped at %d in %d ticks (counts are lower bounds)", MaxDetailMatches, rc.Capped))
	}
	return out
}

// negatedLits lists a rule's negated literals in source order.
func negatedLits(r *analysis.Rule) []*analysis.Lit {
	var out []*analysis.Lit
	for i := range r.Body {
		if r.Body[i].Kind == analysis.LitNegated {
			out = append(out, &r.Body[i])
		}
	}
	return out
}

// litName names a negated literal by relation and position: `!cert@7:22`.
func litName(l *analysis.Lit) string {
	return fmt.Sprintf("!%s@%d:%d", l.Rel, l.Pos.Line, l.Pos.Col)
}

// InvariantCoverage is what the runs did with one .invariant relation,
// summed over the rules deriving it.
type InvariantCoverage struct {
	Relation string
	// Evaluated counts ticks of nodes that evaluate its rules; Reached
	// (with Coverage.Detail) ticks in which every positive atom of one of
	// its rules had rows: the invariant was checked against data.
	// Violated counts ticks in which it fired.
	Evaluated, Reached, Violated int
}

// Text says in words what the runs did with the invariant.
func (inv InvariantCoverage) Text(detail bool) string {
	var s string
	switch {
	case inv.Evaluated == 0:
		return "never evaluated (no node of its component ticked)"
	case !detail:
		s = fmt.Sprintf("evaluated in %d ticks", inv.Evaluated)
	case inv.Reached == 0:
		s = fmt.Sprintf("evaluated in %d ticks, never checked against data (in every tick some atom of its body had no rows)", inv.Evaluated)
	default:
		s = fmt.Sprintf("evaluated in %d ticks, checked against data in %d (every atom of its body had rows)", inv.Evaluated, inv.Reached)
	}
	if inv.Violated > 0 {
		return s + fmt.Sprintf(", violated in %d", inv.Violated)
	}
	return s + ", never violated"
}

// Invariants sums the coverage of each .invariant relation that some rule
// derives, by name.
func (c *Coverage) Invariants(prog *analysis.Program) []InvariantCoverage {
	var out []InvariantCoverage
	for _, rel := range prog.Relations {
		if !rel.Invariant {
			continue
		}
		inv := InvariantCoverage{Relation: rel.Name}
		any := false
		for _, r := range prog.Rules {
			if r.Head.Rel != rel.Name || r.ID >= len(c.Rules) {
				continue
			}
			any = true
			rc := c.Rules[r.ID]
			inv.Evaluated += rc.Evaluated
			inv.Reached += rc.Reached
			inv.Violated += rc.Fired
		}
		if any {
			out = append(out, inv)
		}
	}
	return out
}

// JSON renders the coverage for machines.
func (c *Coverage) JSON(prog *analysis.Program) []byte {
	type jneg struct {
		Lit     string `json:"literal"`
		Blocked int    `json:"blocked"`
	}
	type jr struct {
		Rule         string `json:"rule"`
		Kind         string `json:"kind"`
		Head         string `json:"head"`
		Invariant    bool   `json:"invariant,omitempty"`
		Fired        int    `json:"fired"`
		Evaluated    int    `json:"evaluated"`
		Sent         int    `json:"sent,omitempty"`
		Lost         int    `json:"lost,omitempty"`
		Overtook     int    `json:"overtook,omitempty"`
		Reached      *int   `json:"reached,omitempty"`
		Matched      *int   `json:"matched,omitempty"`
		Negations    []jneg `json:"negations,omitempty"`
		LargestGroup *int   `json:"largest_group,omitempty"`
		Capped       int    `json:"capped,omitempty"`
	}
	type jinv struct {
		Relation  string `json:"relation"`
		Evaluated int    `json:"evaluated"`
		Reached   *int   `json:"reached,omitempty"`
		Violated  int    `json:"violated"`
	}
	fired, total, never := c.Summary(prog)
	out := struct {
		Program    string   `json:"program"`
		Runs       int      `json:"runs"`
		Fired      int      `json:"fired"`
		Counted    int      `json:"counted"`
		Never      []string `json:"never_fired"`
		Detail     bool     `json:"detail,omitempty"`
		Rules      []jr     `json:"rules"`
		Invariants []jinv   `json:"invariants,omitempty"`
	}{Program: prog.File.Name, Runs: c.Runs, Fired: fired, Counted: total, Never: never, Detail: c.Detail}
	for _, r := range prog.Rules {
		rc := c.Rules[r.ID]
		j := jr{Rule: fmt.Sprintf("%s:%d:%d", prog.File.Name, r.Pos.Line, r.Pos.Col), Kind: r.Kind.String(), Head: r.Head.Rel,
			Invariant: !counted(prog, r), Fired: rc.Fired, Evaluated: rc.Evaluated, Sent: rc.Sent, Lost: rc.Lost, Overtook: rc.Overtook}
		if c.Detail {
			j.Reached, j.Matched, j.Capped = &rc.Reached, &rc.Matched, rc.Capped
			for k, l := range negatedLits(r) {
				n := 0
				if k < len(rc.Blocked) {
					n = rc.Blocked[k]
				}
				j.Negations = append(j.Negations, jneg{Lit: litName(l), Blocked: n})
			}
			if r.Head.HasAggregate {
				j.LargestGroup = &rc.LargestGroup
			}
		}
		out.Rules = append(out.Rules, j)
	}
	for _, inv := range c.Invariants(prog) {
		j := jinv{Relation: inv.Relation, Evaluated: inv.Evaluated, Violated: inv.Violated}
		if c.Detail {
			j.Reached = &inv.Reached
		}
		out.Invariants = append(out.Invariants, j)
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
