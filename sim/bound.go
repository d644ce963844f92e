package sim

import "strings"

// Bound names a library bound whose exhaustion makes an answer
// inconclusive: a field of Limits, SyncOptions or checker.Options. Library
// messages name the bound in library terms ("raise Limits.MaxTicks");
// only cmd/dsim turns a Bound into a flag name.
type Bound int

const (
	// NoBound: no bound was hit.
	NoBound          Bound = iota
	BoundMaxTime           // Limits.MaxTime
	BoundMaxTicks          // Limits.MaxTicks
	BoundMaxMessages       // Limits.MaxMessages
	BoundMaxFacts          // Limits.MaxFacts (eval.Limits.MaxFacts per tick)
	BoundSyncStates        // SyncOptions.MaxStates
	BoundMaxStates         // checker.Options.MaxStates
	BoundMaxDepth          // checker.Options.MaxDepth
	BoundTimeout           // checker.Options.Timeout
	// BoundCanceled: the caller's context.Context ended the run; there is
	// nothing to raise.
	BoundCanceled
	BoundEnumerateStates // EnumerateOptions.MaxStates (exhaustive enumeration)
	// BoundMaxDelay and BoundMaxEscalatedDelay bound the delays the
	// checker's search gives the original's messages (checker.Options):
	// a verdict of that search holds within them, so an Unknown names the
	// one its deciding search ran under (RunReport.Delays).
	BoundMaxDelay          // checker.Options.MaxDelay
	BoundMaxEscalatedDelay // checker.Options.MaxEscalatedDelay
	// BoundSplitCombinations bounds the merged runs of one part of the
	// exhaustive check's key split (checker.Options.MaxSplitCombinations).
	BoundSplitCombinations
	// BoundEnumerateBranches bounds the branches an enumeration executes,
	// whether or not they reach a new state (EnumerateOptions.MaxBranches).
	BoundEnumerateBranches
)

// Bounds lists every Bound but NoBound, in declaration order.
var Bounds = []Bound{BoundMaxTime, BoundMaxTicks, BoundMaxMessages, BoundMaxFacts, BoundSyncStates, BoundMaxStates, BoundMaxDepth, BoundTimeout, BoundCanceled, BoundEnumerateStates, BoundMaxDelay, BoundMaxEscalatedDelay, BoundSplitCombinations, BoundEnumerateBranches}

var boundFields = [...]string{"", "Limits.MaxTime", "Limits.MaxTicks", "Limits.MaxMessages", "Limits.MaxFacts",
	"SyncOptions.MaxStates", "Options.MaxStates", "Options.MaxDepth", "Options.Timeout", "context", "EnumerateOptions.MaxStates",
	"Options.MaxDelay", "Options.MaxEscalatedDelay", "Options.MaxSplitCombinations", "EnumerateOptions.MaxBranches"}

// Field is the option that sets the bound, e.g. "Options.MaxStates".
func (b Bound) Field() string {
	if b < 0 || int(b) >= len(boundFields) {
		return ""
	}
	return boundFields[b]
}

func (b Bound) String() string { return b.Field() }

// Raise is the hint library messages carry for the bound, e.g.
// "raise Options.MaxStates" (empty for NoBound and BoundCanceled).
func (b Bound) Raise() string {
	if b == NoBound || b == BoundCanceled || b.Field() == "" {
		return ""
	}
	return "raise " + b.Field()
}

// RewriteHints replaces every bound's Raise hint in msg by hint(b) (when
// hint returns a non-empty string); cmd/dsim uses it to name flags.
func RewriteHints(msg string, hint func(Bound) string) string {
	for _, b := range Bounds {
		r := b.Raise()
		if r == "" || !strings.Contains(msg, r) {
			continue
		}
		if h := hint(b); h != "" {
			msg = strings.ReplaceAll(msg, r, h)
		}
	}
	return msg
}
