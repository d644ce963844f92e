// Package realnet runs Dedalus programs over real TCP sockets and real
// clocks: one OS process (or, in tests, one goroutine group) per node, each
// a thin driver around the same pure tick function the simulator uses
// (eval.Tick, docs/ARCHITECTURE.md). Socket in -> deliver; clock -> timers; drain the
// tick's sends and outputs -> sockets out. realnet holds no protocol logic,
// so any behaviour seen here can be replayed in the simulator.
//
// The pieces, one file each:
//
//   - internal/wire: the wire format (length-prefixed binary frames, the
//     canonical encoding of facts inside them, and the handshake's token
//     authentication and program fingerprint check); decoding never
//     panics. It is internal: not an API, it changes with the protocol.
//   - cluster.go: the cluster file (node names to host:port, and the token).
//   - node.go, peer.go, clientconn.go: the node runtime, its peer links and
//     its client connections.
//   - client.go: the client side, used by `dsim bench` and the tests.
//   - trace.go: recording and loading observable histories of real runs.
//   - bench.go, stats.go, plot.go: closed-loop load generation and its
//     throughput and latency figures.
//
// realnet is the one package of dsim that reads the wall clock: timers fire
// on real milliseconds and latencies are real. Nothing it records is meant
// to be deterministic; the simulator is where runs replay.
package realnet
