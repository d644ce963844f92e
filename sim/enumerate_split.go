package sim

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/value"
)

// This file holds the key split of an exhaustive enumeration
// (docs/CHECKING.md, "Why pruning is sound", the key split): when every
// rule of a program keeps to one value of a key column (the transaction
// id of 2PC), the runs of a workload whose inputs carry several key values
// are exactly the merges of the runs of each key's inputs alone. The
// product of the keys' message timings then need not be enumerated: each
// key group's runs are, and the runs of the whole workload are rebuilt
// from one representative per combination of the groups' observable
// histories.
//
// The syntactic part is PlanKeySplit: every relation is either static
// (facts and sync rules over static relations only) or keyed (a column
// that every rule deriving it copies from the one key variable that sits
// in the key column of each keyed body atom, negated ones included). The
// dynamic part is EnumerateOptions.RestCheck: a node that sleeps (its last
// tick left its state unchanged and nothing wakes it) must be able to tick
// again without effect, since in a merged run another key's message may
// wake it.

// KeySplit is a workload split by key value (PlanKeySplit).
type KeySplit struct {
	keyCol  map[string]int // keyed relation -> key column
	Groups  []Workload     // the workload's inputs by key value, in order of first input
	groupOf map[string]int // key value (Tuple.Key of the one value) -> group
	// Columns names each input relation's key column, for reports.
	Columns []string
}

// maxSplitColumnChoices bounds the input-column assignments tried.
const maxSplitColumnChoices = 64

// PlanKeySplit splits cfg's workload by key (see the top of this file).
// It returns nil and the reason when the program or the configuration is
// not one the split is sound for, or the workload has one key value only.
func PlanKeySplit(prog *analysis.Program, cfg Config) (*KeySplit, string) {
	if cfg.Closed != nil {
		return nil, "closed-loop clients"
	}
	if len(cfg.Faults.Crashes) > 0 {
		return nil, "the fault plan crashes nodes"
	}
	picks := 0
	for _, o := range cfg.Faults.Omissions {
		picks += o.Random
	}
	if picks > 1 {
		return nil, "the fault plan picks more than one random faulty node"
	}
	if why := splitRefusesProgram(prog); why != "" {
		return nil, why
	}
	var inputs []*analysis.Relation
	for _, r := range prog.Relations {
		if r.Input {
			inputs = append(inputs, r)
		}
	}
	if len(inputs) == 0 {
		return nil, "no input relation"
	}
	cols := make([]int, len(inputs))
	why := "no column assignment of the input relations keeps every rule to one key value"
	for tries := 0; tries < maxSplitColumnChoices; tries++ {
		in := map[string]int{}
		for i, r := range inputs {
			in[r.Name] = cols[i]
		}
		if keyCol, ok := inferKeyColumns(prog, in); ok {
			s := &KeySplit{keyCol: keyCol, groupOf: map[string]int{}}
			for i, r := range inputs {
				name := strconv.Itoa(cols[i])
				if c := r.Columns[cols[i]].Name; c != "" {
					name = c
				}
				s.Columns = append(s.Columns, r.Name+"."+name)
			}
			for _, e := range cfg.Workload {
				c, ok := keyCol[e.Fact.Rel]
				if !ok || c >= len(e.Fact.Tuple) {
					return nil, "an input of the workload is not of a keyed relation"
				}
				k := e.Fact.Tuple[c : c+1].Key()
				g, ok := s.groupOf[k]
				if !ok {
					g = len(s.Groups)
					s.groupOf[k] = g
					s.Groups = append(s.Groups, nil)
				}
				s.Groups[g] = append(s.Groups[g], e)
			}
			if len(s.Groups) < 2 {
				return nil, "the workload's inputs share one key value"
			}
			return s, ""
		}
		// Next assignment (an odometer over the input relations' columns).
		i := 0
		for ; i < len(inputs); i++ {
			cols[i]++
			if cols[i] < inputs[i].Arity() {
				break
			}
			cols[i] = 0
		}
		if i == len(inputs) {
			break
		}
	}
	return nil, why
}

// splitRefusesProgram names a feature of prog that the split does not
// cover ("" when none): timers fire on every key's nodes, and choose() and
// index() choices are keyed by a node's local tick count, which another
// key's messages change.
func splitRefusesProgram(prog *analysis.Program) string {
	for _, r := range prog.Relations {
		if r.Timer != nil {
			return "timer " + r.Name
		}
	}
	for _, r := range prog.Rules {
		for _, a := range r.Head.Args {
			if a.Agg != nil && (a.Agg.Func == "choose" || a.Agg.Func == "index") {
				return fmt.Sprintf("%s() at %d:%d", a.Agg.Func, r.Pos.Line, r.Pos.Col)
			}
		}
	}
	return ""
}

// inferKeyColumns propagates key columns from the input relations through
// the rules, then checks every rule against the result (see the top of
// this file).
func inferKeyColumns(prog *analysis.Program, inputs map[string]int) (map[string]int, bool) {
	keyCol := map[string]int{}
	for r, c := range inputs {
		keyCol[r] = c
	}
	static := map[string]bool{}
	derived := map[string]bool{}
	for _, r := range prog.Rules {
		derived[r.Head.Rel] = true
	}
	for _, r := range prog.Relations {
		if !derived[r.Name] && !r.Input {
			static[r.Name] = true // facts only, or always empty
		}
	}
	for changed := true; changed; {
		changed = false
		for _, r := range prog.Rules {
			h := r.Head.Rel
			if _, ok := keyCol[h]; ok || static[h] {
				continue
			}
			x, known, keyed := bodyKeyVar(r, keyCol, static)
			switch {
			case keyed && x >= 0:
				if c := headKeyColumn(r, x); c >= 0 {
					keyCol[h] = c
					changed = true
				}
			case known && !keyed:
				if allRulesStatic(prog, h, keyCol, static) {
					static[h] = true
					changed = true
				}
			}
		}
	}
	for _, r := range prog.Relations {
		_, k := keyCol[r.Name]
		if !k && !static[r.Name] {
			return nil, false
		}
		if k && r.Static {
			return nil, false // keyed rows written in the file belong to no group
		}
		if (r.Output || r.Invariant || r.Final) && !k {
			return nil, false
		}
	}
	for _, r := range prog.Rules {
		if !ruleKeepsKey(r, keyCol, static) {
			return nil, false
		}
	}
	return keyCol, true
}

// bodyKeyVar returns the variable in the key column of the rule's keyed
// positive atoms (-1 if they disagree, one holds no variable there, or
// none is positive); known says every body atom's relation is classified,
// keyed that some atom (positive or negated) is keyed.
func bodyKeyVar(r *analysis.Rule, keyCol map[string]int, static map[string]bool) (x int, known, keyed bool) {
	x, known = -2, true
	for _, l := range r.Body {
		if l.Kind != analysis.LitAtom && l.Kind != analysis.LitNegated {
			continue
		}
		c, ok := keyCol[l.Rel]
		if !ok {
			if !static[l.Rel] {
				known = false
			}
			continue
		}
		keyed = true // a negated keyed atom too: a static head may not read one
		if l.Kind != analysis.LitAtom {
			continue
		}
		v := -1
		if c < len(l.Args) && l.Args[c].Op == analysis.TermVar {
			v = l.Args[c].Var
		}
		if x == -2 {
			x = v
		} else if x != v {
			x = -1
		}
	}
	if x == -2 {
		x = -1
	}
	return x, known, keyed
}

// headKeyColumn is the first head column holding variable x (-1: none).
func headKeyColumn(r *analysis.Rule, x int) int {
	for i, a := range r.Head.Args {
		if a.Term != nil && a.Term.Op == analysis.TermVar && a.Term.Var == x {
			return i
		}
	}
	return -1
}

func allRulesStatic(prog *analysis.Program, rel string, keyCol map[string]int, static map[string]bool) bool {
	for _, r := range prog.Rules {
		if r.Head.Rel != rel {
			continue
		}
		if r.Kind != analysis.Sync {
			return false // static state carried or sent would be every key's
		}
		_, known, keyed := bodyKeyVar(r, keyCol, static)
		if !known || keyed {
			return false
		}
	}
	return true
}

// ruleKeepsKey checks one rule: a static head has a static body and is
// derived in the tick; a keyed head takes the key variable of the body's
// keyed atoms, each (negated ones too) holding it in its key column.
func ruleKeepsKey(r *analysis.Rule, keyCol map[string]int, static map[string]bool) bool {
	c, keyedHead := keyCol[r.Head.Rel]
	x, known, keyed := bodyKeyVar(r, keyCol, static)
	if !known {
		return false
	}
	if !keyedHead {
		return !keyed && r.Kind == analysis.Sync
	}
	if !keyed || x < 0 {
		return false
	}
	if c >= len(r.Head.Args) || r.Head.Args[c].Term == nil || r.Head.Args[c].Term.Op != analysis.TermVar || r.Head.Args[c].Term.Var != x {
		return false
	}
	for _, l := range r.Body {
		if l.Kind != analysis.LitNegated {
			continue
		}
		if k, ok := keyCol[l.Rel]; ok {
			if k >= len(l.Args) || l.Args[k].Op != analysis.TermVar || l.Args[k].Var != x {
				return false
			}
		}
	}
	return true
}

// GroupOf returns the group a keyed fact belongs to (-1: none).
func (s *KeySplit) GroupOf(f value.Fact) int {
	c, ok := s.keyCol[f.Rel]
	if !ok || c >= len(f.Tuple) {
		return -1
	}
	g, ok := s.groupOf[f.Tuple[c:c+1].Key()]
	if !ok {
		return -1
	}
	return g
}

// GroupConfig is cfg with only group g's inputs, and the work limits
// divided among the groups, so that a merged run stays within cfg's.
func (s *KeySplit) GroupConfig(cfg Config, g int) Config {
	c := cfg
	c.Workload = slices.Clone(s.Groups[g])
	l := cfg.Limits.WithDefaults()
	n := len(s.Groups)
	c.Limits.MaxTicks, c.Limits.MaxMessages, c.Limits.MaxFacts = max(l.MaxTicks/n, 1), max(l.MaxMessages/n, 1), max(l.MaxFacts/n, 1)
	c.Limits.MaxTime = l.MaxTime
	return c
}

// sendKey identifies a send within a run without its message number (which
// depends on the other keys' sends).
func sendKey(c *Choice) string {
	return strconv.FormatInt(c.Time, 10) + " " + c.From.String() + " " + c.To.String() + " " + c.Fact.String()
}

// Merge runs cfg's whole workload with every message decided as the run of
// its key's group decides it (reps[g] is a run of GroupConfig(cfg, g)),
// the faulty node picked as part says (when part >= 0), and checks that the
// merged run is what the split says it is: quiescent when every group's run
// is, at the latest of their end times, with each group's outputs at the
// same times; halted by a violation at the earliest time a group's run
// was. A failed check is an error (the split would be unsound).
func (s *KeySplit) Merge(prog *analysis.Program, cfg Config, part int, reps []*Result) (*Result, error) {
	byKey := make([]map[string]Choice, len(reps))
	end, violated := int64(0), int64(-1)
	for g, r := range reps {
		switch {
		case r.Stop.Reason == Violation && len(r.Violations) > 0:
			if violated < 0 || r.Time < violated {
				violated = r.Time
			}
		case r.Stop.Reason != Quiescent || len(r.Violations) > 0:
			return nil, fmt.Errorf("sim: key split: group %d's run did not end quiescent", g)
		}
		end = max(end, r.Time)
		m := map[string]Choice{}
		for _, c := range r.Schedule.recorded {
			if c.Kind == ChoiceSend {
				m[sendKey(&c)] = c
			}
		}
		if r.Schedule.recorded == nil && r.Schedule.Len() > 0 {
			return nil, fmt.Errorf("sim: key split: group %d's schedule was rendered before the merge", g)
		}
		byKey[g] = m
	}
	c := cfg
	c.Script, c.Step, c.Idle = nil, nil, IdleTicks{} // as the groups' enumerations ran
	if len(reps) > 0 {
		d := reps[0].Schedule.Delay // what the schedule says its delays were drawn from
		c.Delay = &d
	}
	c.Decide = func(ch *Choice) error {
		switch ch.Kind {
		case ChoiceFaulty:
			if part < 0 {
				return fmt.Errorf("sim: key split: unexpected faulty-node pick")
			}
			ch.Pick = part
		case ChoiceOutput:
			ch.Delay = 1
		case ChoiceSend:
			g := s.GroupOf(ch.Fact)
			if g < 0 {
				return fmt.Errorf("sim: key split: message %s belongs to no key group", ch.Fact)
			}
			d, ok := byKey[g][sendKey(ch)]
			if !ok {
				return fmt.Errorf("sim: key split: message %s (%s) was not sent in group %d's run", ch.Fact, sendKey(ch), g)
			}
			ch.Drop, ch.Delay, ch.Dup = d.Drop, d.Delay, d.Dup
		default:
			return fmt.Errorf("sim: key split cannot decide a %s choice", ch.Kind)
		}
		return nil
	}
	res, err := Run(prog, c)
	if err != nil {
		return nil, err
	}
	if violated >= 0 {
		// The earliest violation halts the merged run as it halted its
		// group's run.
		if res.Stop.Reason != Violation || res.Time != violated {
			return nil, fmt.Errorf("sim: key split: the merged run ended %s at %d, a group's run violated an invariant at %d", res.Stop.Reason, res.Time, violated)
		}
		return res, nil
	}
	if res.Stop.Reason != Quiescent || res.Time != end {
		return nil, fmt.Errorf("sim: key split: the merged run ended %s at %d, its groups' runs quiescent by %d", res.Stop.Reason, res.Time, end)
	}
	want := make([]string, 0)
	for g, r := range reps {
		want = append(want, groupOutputs(r, g)...)
	}
	got := groupOutputs(res, -1)
	for i := range got {
		got[i] = strconv.Itoa(s.GroupOf(res.History.Outputs[i].Fact)) + " " + got[i]
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(want, got) {
		return nil, fmt.Errorf("sim: key split: the merged run's outputs differ from its groups' runs'")
	}
	return res, nil
}

// groupOutputs renders r's outputs (prefixed with group g when g >= 0).
func groupOutputs(r *Result, g int) []string {
	out := make([]string, len(r.History.Outputs))
	for i, o := range r.History.Outputs {
		s := o.Fact.String() + " @" + strconv.FormatInt(o.Time, 10)
		if g >= 0 {
			s = strconv.Itoa(g) + " " + s
		}
		out[i] = s
	}
	return out
}
