package analysis

import (
	"fmt"
	"strings"
)

// Summary renders the analysed program as deterministic text, for
// `dsim vet -v` and golden tests: components (count, refinement, rules by
// kind, §2.4 vocabulary, strata, static facts), then relations (types and
// flags), then rule counts by kind.
func (p *Program) Summary() string {
	var b strings.Builder
	for _, c := range p.Components {
		fmt.Fprintf(&b, "component %s[%d]", c.Name, c.Count)
		if c.Refines != "" {
			fmt.Fprintf(&b, " refines %s", c.Refines)
		}
		fmt.Fprintf(&b, ": %d rules (%s), %d facts\n", len(c.Rules), kindCounts(c.Rules), len(c.Facts))
		list := func(label string, names []string) {
			if len(names) > 0 {
				fmt.Fprintf(&b, "  %-13s %s\n", label+":", strings.Join(names, ", "))
			}
		}
		list("references", c.References)
		list("inputs", c.Inputs)
		list("outputs", c.Outputs)
		list("heads", c.Heads)
		list("client inputs", c.ClientInputs)
		list("timers", c.Timers)
		for i, s := range c.Strata {
			ids := make([]string, len(s.Rules))
			for j, r := range s.Rules {
				ids[j] = fmt.Sprint(r.ID)
			}
			fmt.Fprintf(&b, "  stratum %d: %s (rules %s)\n", i, strings.Join(s.Relations, ", "), strings.Join(ids, ", "))
		}
		for _, f := range c.Facts {
			fmt.Fprintf(&b, "  fact %s\n", f)
		}
	}
	for _, r := range p.Relations {
		cols := make([]string, len(r.Columns))
		for i, c := range r.Columns {
			if c.Name != "" {
				cols[i] = c.Name + ": " + c.Type.String()
			} else {
				cols[i] = c.Type.String()
			}
		}
		fmt.Fprintf(&b, "relation %s(%s)%s\n", r.Name, strings.Join(cols, ", "), relFlags(r))
	}
	fmt.Fprintf(&b, "rules: %d (%s)\n", len(p.Rules), kindCounts(p.Rules))
	return b.String()
}

func kindCounts(rules []*Rule) string {
	var n [4]int
	for _, r := range rules {
		if int(r.Kind) < len(n) {
			n[r.Kind]++
		}
	}
	parts := []string{}
	for k := Sync; k <= Persist; k++ {
		if n[k] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n[k], k))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

func relFlags(r *Relation) string {
	var f []string
	if r.Input {
		f = append(f, "input@"+r.InputComponent)
	}
	if r.Output {
		f = append(f, "output")
	}
	if r.Timer != nil {
		f = append(f, fmt.Sprintf("timer %d jitter %d @%s", r.Timer.Period, r.Timer.Jitter, r.TimerComponent))
	}
	if r.Persist {
		f = append(f, "persist")
	}
	if r.Async {
		f = append(f, "async")
	}
	if r.Invariant {
		f = append(f, "invariant")
	}
	if r.Final {
		f = append(f, "final")
	}
	if r.Derived {
		f = append(f, "derived")
	}
	if r.Static {
		f = append(f, "static")
	}
	if len(f) == 0 {
		return ""
	}
	return " " + strings.Join(f, " ")
}
