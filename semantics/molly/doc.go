// Package molly reads classic Dedalus as Molly (github.com/palvaro/molly)
// and the Bloom/Bud papers write it, and translates it into a program the
// synchronous model of package sim runs (sim.LocatedProgram).
//
// The dialect: every relation's first column is its location; a rule
// ends with ';'; a head may carry @next (the next round, at the same
// location) or @async (a message to the location in the head's first
// column, sent from the location of the rule's first body atom); `notin`
// negates a body atom; facts carry a round, `node("a", "b")@1;`;
// `include "file.ded";` reads another file (relative to the including
// file); aggregates are written count<X>, min<X>, max<X>, sum<X>;
// comments are // and /* */. crash(observer, node, round) and
// clock(from, to, round) are the model's relations, filled in by the
// simulator. The correctness spec is a pair of relations pre and post: a
// run fails when some pre fact has no equal post fact at the end of time.
//
// Molly evaluates a program as one global Datalog program (rules see the
// facts of every location, as its specs need), so the translation keeps
// the location as an ordinary string column and produces a single-node
// dsim program: @next becomes :+, @async a rule deriving an outbox
// relation whose facts the model delivers one round later unless the
// channel lost them, and pre/post become the end-of-run spec
// `.final pre_without_post`. docs/LANGUAGE.md ("Classic Dedalus") lists
// every rule of the translation.
package molly
