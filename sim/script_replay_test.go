package sim

import (
	"github.com/google/go-cmp/cmp"
)

// scriptReplay: `replay` replays the last run's schedule and compares the
// traces.
func scriptReplay(env *scriptEnv, c scriptCase) (string, error) {
	sched, err := ParseSchedule("schedule", env.result.Schedule.String())
	if err != nil {
		return "", err
	}
	res, err := Replay(env.prog, sched)
	if err != nil {
		return "error: " + err.Error(), nil
	}
	if d := cmp.Diff(env.result.Trace.String(), res.Trace.String()); d != "" {
		return "replay differs:\n" + d, nil
	}
	return "replay: identical trace", nil
}
