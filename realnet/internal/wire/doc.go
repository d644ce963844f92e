// Package wire is realnet's wire format: length-prefixed binary frames
// (frame.go), the canonical encoding of facts inside them (codec.go), and
// the authenticated opening exchange of every connection (handshake.go).
//
// It is internal because the format is an implementation detail of
// realnet's nodes and clients, not a supported API: both ends of every
// connection are dsim binaries of the same protocol version, and the
// format may change with it. Decoding never panics on any input (the fuzz
// target FuzzDecodeFrame holds it to that).
package wire
