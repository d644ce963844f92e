package sim

import (
	"strings"
)

// scriptFaults: `faults PLAN` sets the fault plan.
func scriptFaults(env *scriptEnv, c scriptCase) (string, error) {
	plan, err := ParseFaultPlan(strings.TrimSpace(strings.TrimPrefix(c.cmd, "faults")))
	if err != nil {
		return err.Error(), nil
	}
	env.cfg.Faults = plan
	return plan.String(), nil
}
