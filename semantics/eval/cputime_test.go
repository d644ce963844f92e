package eval

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time (user + system) the process has used so far.
// Benchmarks report it beside wall time because the machine they run on
// is shared: wall time then measures the neighbours as much as the code.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
