package sim

import (
	"strings"
)

// The commands that print the last run.

// scriptTrace: `trace` prints the last run's trace.
func scriptTrace(env *scriptEnv, c scriptCase) (string, error) {
	return strings.TrimSpace(env.result.Trace.String()), nil
}

// scriptHistory: `history` prints its history.
func scriptHistory(env *scriptEnv, c scriptCase) (string, error) {
	return strings.TrimSpace(env.result.History.String()), nil
}

// scriptOutputs: `outputs` prints its output facts.
func scriptOutputs(env *scriptEnv, c scriptCase) (string, error) {
	var out []string
	for _, f := range env.result.History.OutputFacts() {
		out = append(out, f.String())
	}
	return strings.Join(out, "\n"), nil
}

// scriptSchedule: `schedule` prints its schedule.
func scriptSchedule(env *scriptEnv, c scriptCase) (string, error) {
	return strings.TrimSpace(env.result.Schedule.String()), nil
}
