package sim

import (
	"fmt"
	"strconv"
	"strings"
)

// scriptRun: `run [seed=S delay=D requests=K clients=C idle=P max-time=T
// max-ticks=N max-messages=N dump=REL,...]` runs the program and prints how
// the run stopped and its counters.
func scriptRun(env *scriptEnv, c scriptCase) (string, error) {
	args := c.args()
	cfg := env.cfg
	for k, v := range args {
		switch k {
		case "seed":
			n, _ := strconv.ParseUint(v, 10, 64)
			cfg.Seed = n
		case "delay":
			d, err := ParseDistribution(v)
			if err != nil {
				return err.Error(), nil
			}
			cfg.Delay = &d
		case "requests":
			n, _ := strconv.Atoi(v)
			if cfg.Closed == nil {
				cfg.Closed = &ClosedLoop{Clients: 1}
			}
			cfg.Closed.Requests = n
		case "clients":
			n, _ := strconv.Atoi(v)
			if cfg.Closed == nil {
				cfg.Closed = &ClosedLoop{}
			}
			cfg.Closed.Clients = n
		case "idle":
			p, _ := strconv.ParseFloat(v, 64)
			cfg.Idle = IdleTicks{P: p, PerNode: 2, MaxGap: 3}
		case "max-time":
			n, _ := strconv.ParseInt(v, 10, 64)
			cfg.Limits.MaxTime = n
		case "max-ticks":
			cfg.Limits.MaxTicks, _ = strconv.Atoi(v)
		case "max-messages":
			cfg.Limits.MaxMessages, _ = strconv.Atoi(v)
		case "dump":
			cfg.Trace.Dump = strings.Split(v, ",")
		default:
			return "", fmt.Errorf("unknown run option %q", k)
		}
	}
	res, err := Run(env.prog, cfg)
	if err != nil {
		return "error: " + err.Error(), nil
	}
	env.result = res
	return fmt.Sprintf("%s\nticks=%d messages=%d deliveries=%d drops=%d duplicates=%d outputs=%d",
		res.Stop.Message, res.Ticks, res.Messages, res.Deliveries, res.Drops, res.Duplicates, res.Outputs), nil
}
