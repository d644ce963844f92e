package eval

import "github.com/dsim-project/dsim/semantics/value"

// Hash is the language's hash(x), for tools outside the evaluator that
// must predict it (sim's workload generator picks values whose hashes
// collide).
func Hash(v value.Value) value.Value { return hashValue(v) }
