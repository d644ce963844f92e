package checker

// Stage is the stage of the search that found a run's witness
// (RunReport.Stage); its String is the report's "found" text.
type Stage int

const (
	// NoStage: no witness (the run is not Equivalent).
	NoStage Stage = iota
	// StageRefinementMap: the run the refinement map suggests, or the
	// state guide's runs.
	StageRefinementMap
	// StageEagerSchedule: every delay 1, no loss, first choices.
	StageEagerSchedule
	// StageSearch: the bounded, memoised DFS.
	StageSearch
	// StageFirstBranch: CheckHistory's first branch (there is no
	// rewritten run to guide it).
	StageFirstBranch
)

var stageNames = [...]string{"", "refinement map", "eager schedule", "search", "first branch"}

func (s Stage) String() string {
	if s < 0 || int(s) >= len(stageNames) {
		return ""
	}
	return stageNames[s]
}

// Escalation says whether the witness came from an escalated search
// (docs/CHECKING.md, "The search", steps 6 and 7).
type Escalation int

const (
	NotEscalated Escalation = iota
	// EscalatedSparse: the pass with delay 1 or delivery at the late time.
	EscalatedSparse
	// EscalatedDelays: the pass with delays up to the escalated bound.
	EscalatedDelays
	// EscalatedDeviations: a deviation pass (few choices off the guided
	// run) after a search that hit its state bound.
	EscalatedDeviations
)
