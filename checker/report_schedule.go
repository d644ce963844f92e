package checker

import (
	"fmt"

	"github.com/dsim-project/dsim/sim"
)

// This file describes the run a schedule check (CheckSchedule) ran. Its
// seed, workload, delays and faults come from the schedule file, and
// Options' (the flags' defaults, for dsim check --schedule) played no
// part, so the report's header must not print those.

// scheduleName is the file the schedule came from.
func scheduleName(sc *sim.Schedule) string {
	if sc.Name == "" {
		return "(not from a file)"
	}
	return sc.Name
}

// scheduleInputs says where the run's inputs came from.
func scheduleInputs(sc *sim.Schedule) string {
	if c := sc.Closed; c != nil {
		return fmt.Sprintf("closed loop, %d clients, %d requests of %s, contents as recorded", c.Clients, c.Requests, c.Relation)
	}
	return fmt.Sprintf("%d inputs as recorded", len(sc.Workload))
}

// scheduleRun is the header's description of the run.
func scheduleRun(sc *sim.Schedule) string {
	return fmt.Sprintf("seed %d, %s, delays %s, faults: %s", sc.Seed, scheduleInputs(sc), sc.Delay, sc.Faults)
}

// jsonSchedule is Report.Schedule in --json.
type jsonSchedule struct {
	File   string `json:"file"`
	Seed   uint64 `json:"seed"`
	Inputs string `json:"inputs"`
	Delay  string `json:"delay"`
	Faults string `json:"faults"`
}

func scheduleJSON(sc *sim.Schedule) *jsonSchedule {
	if sc == nil {
		return nil
	}
	return &jsonSchedule{File: scheduleName(sc), Seed: sc.Seed, Inputs: scheduleInputs(sc), Delay: sc.Delay.String(), Faults: sc.Faults.String()}
}
