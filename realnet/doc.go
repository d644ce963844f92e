// Package realnet runs Dedalus programs over real TCP sockets and real
// clocks: one OS process (or, in tests, one goroutine group) per node, each
// a thin driver around the same pure tick function the simulator uses
// (eval.Tick; docs/ARCHITECTURE.md, "The tick"). Socket in -> deliver;
// clock -> timers; drain the tick's sends and outputs -> sockets out.
// realnet holds no protocol logic, so any behaviour seen here can be
// replayed in the simulator. It takes analysed programs: reading and
// analysing source, the benchmark statistics (gonum) and drawing their
// curves belong to cmd/dsim.
//
// The pieces:
//
//   - internal/wire: the wire format (length-prefixed binary frames, the
//     canonical encoding of facts inside them, and the handshake's token
//     authentication and program fingerprint check); decoding never
//     panics. It is internal: not an API, it changes with the protocol.
//   - cluster.go: the cluster file (node names to host:port, and the token).
//   - node.go, loop.go: the node runtime and its tick loop (deliver, tick,
//     route sends and outputs).
//   - peer.go, outbox.go: links to peers, and the bounded queue of whole
//     frames each connection's writer drains with one system call.
//   - clientconn.go: a node's client connections.
//   - client.go, session.go: the client side (one connection; one entry
//     node plus every node that emits outputs), used by `dsim bench` and
//     the tests.
//   - trace.go: recording a node's observable events; history.go and
//     simhistory.go: loading a trace directory as a History and converting
//     it to a sim.History for checker.CheckHistory.
//   - bench.go, benchloop.go: closed-loop load generation; it returns the
//     measured window's samples (BenchRun), which cmd/dsim summarises.
//
// realnet is the one package of dsim that reads the wall clock: timers fire
// on real milliseconds and latencies are real. Nothing it records is meant
// to be deterministic; the simulator is where runs replay.
package realnet
