package sim

import (
	"strings"
)

// scriptWorkload: `workload` parses the input lines as the fixed workload.
func scriptWorkload(env *scriptEnv, c scriptCase) (string, error) {
	w, err := ParseWorkload("workload", strings.Join(c.input, "\n"))
	if err != nil {
		return err.Error(), nil
	}
	env.cfg.Workload = w
	return strings.TrimSpace(w.String()), nil
}
