package sim

import (
	"strconv"
)

// scriptSet: `set comp=N ...` sets instance counts.
func scriptSet(env *scriptEnv, c scriptCase) (string, error) {
	args := c.args()
	env.cfg.Counts = map[string]int{}
	for k, v := range args {
		n, _ := strconv.Atoi(v)
		env.cfg.Counts[k] = n
	}
	return "ok", nil
}
