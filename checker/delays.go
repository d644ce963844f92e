package checker

import (
	"fmt"

	"github.com/dsim-project/dsim/sim"
)

// Delays is what the deciding search of a run (RunReport.Delays) let the
// original's messages do, so that a verdict can state the bound it holds
// within (docs/CHECKING.md, "The delays a verdict holds within"):
// every message tried every delay 1..Max and, when Late > 0, delivery at
// time Late (which stands for every later delivery). Guided alternatives
// (the refinement map's and the guides' delays) are tried in addition and
// may go further: Guided is the largest such delay beyond the contiguous
// range, 0 if none. They only add runs, so a NotEquivalent still holds
// for every run within 1..Max; the report states Guided so that it also
// says what was searched beyond that.
type Delays struct {
	Max, Late, Guided int64
	// Bound is the option Max came from when it restricted the search:
	// sim.BoundMaxDelay (the first search) or sim.BoundMaxEscalatedDelay
	// (an escalation capped below the last observed time + 1); sim.NoBound
	// when every delivery time that can matter was tried.
	Bound sim.Bound
}

// text is the delays for a sentence: "delays 1..3", "delays 1..5 and
// delivery at time 12", plus the guided delays beyond them.
func (d Delays) text() string {
	s := fmt.Sprintf("delays 1..%d", d.Max)
	if d.Late > 0 {
		s += fmt.Sprintf(" and delivery at time %d", d.Late)
	}
	if d.Guided > d.Max {
		s += fmt.Sprintf(", plus the guided delays (up to %d) of the messages the rewritten run guides", d.Guided)
	}
	return s
}

// unknownNote is what an Unknown search verdict appends to its bound: the
// delay bound its search ran under, and the option that raises it.
func (d Delays) unknownNote() string {
	why := "every delivery time up to the last observed one + 1"
	if d.Bound != sim.NoBound {
		why = d.Bound.Raise()
	}
	s := fmt.Sprintf("; the search gave each message of the original delays 1..%d", d.Max)
	if d.Late > 0 {
		s += fmt.Sprintf(" and delivery at time %d", d.Late)
	}
	s += " (" + why + ")"
	if d.Guided > d.Max {
		s += fmt.Sprintf(", plus the guided delays (up to %d) of the messages the rewritten run guides", d.Guided)
	}
	return s
}

// delaysJSON is Delays in a report's --json.
type delaysJSON struct {
	Max    int64  `json:"max"`
	Late   int64  `json:"late,omitempty"`
	Guided int64  `json:"guided,omitempty"`
	Bound  string `json:"bound,omitempty"`
}

func (d Delays) json() *delaysJSON {
	if d.Max == 0 {
		return nil
	}
	return &delaysJSON{Max: d.Max, Late: d.Late, Guided: d.Guided, Bound: d.Bound.Field()}
}
