// Package gentest is the random-program generator that dsim's property
// tests share (pgregory.net/rapid): the skeleton of a stratified
// single-component program. Inputs declares the input relations e0, e1,
// ...; Layered.Generate adds layers of derived relations, where a rule of
// layer k reads relations of layers <= k positively (so recursion happens
// inside a layer) and only lower layers through negation or aggregation,
// and a relation with an aggregate has one rule and is read by no rule of
// its own layer. The rules' bodies come from the test (Layered.Rule): the
// evaluator's differential test (semantics/eval) and the abstraction's
// test (semantics/reach) draw different bodies from the same skeleton.
// Test files import it; no production code does.
package gentest

import (
	"fmt"
	"strings"

	"pgregory.net/rapid"
)

// Rel is a relation of a generated program: its name and arity, its layer
// (0 for inputs and the test's own relations) and whether its one rule
// aggregates.
type Rel struct {
	Name  string
	Arity int
	Layer int
	Agg   bool
}

// Inputs writes n input declarations e0(c0: int, ...) .. e<n-1> to b, each
// of a drawn arity 1..maxArity, and returns them.
func Inputs(t *rapid.T, b *strings.Builder, n, maxArity int) []Rel {
	var rels []Rel
	for i := 0; i < n; i++ {
		r := Rel{Name: fmt.Sprintf("e%d", i), Arity: rapid.IntRange(1, maxArity).Draw(t, "earity")}
		rels = append(rels, r)
		cols := make([]string, r.Arity)
		for c := range cols {
			cols[c] = fmt.Sprintf("c%d: int", c)
		}
		fmt.Fprintf(b, ".input %s(%s)\n", r.Name, strings.Join(cols, ", "))
	}
	return rels
}

// RuleFunc returns the text of one rule (with its final newline) for head
// of the given arity, aggregating when agg; pick draws a body relation the
// stratification allows, a negated one when neg.
type RuleFunc func(t *rapid.T, head string, arity int, agg bool, pick func(neg bool) (string, int)) string

// Layered draws the derived layers of a program.
type Layered struct {
	// MaxRules bounds the rules of a relation without an aggregate
	// (drawn 1..MaxRules).
	MaxRules int
	// Name names relation j (0-based) of the n of layer k; nil names it
	// r<k>_<j>.
	Name func(k, j, n int) string
	// Rule draws one rule's text.
	Rule RuleFunc
}

// Generate writes 1 to 3 layers of 1 or 2 derived relations each (arity 1
// to 3, one in four aggregating) to b, their rules drawn by l.Rule over
// rels and the relations before them, and returns rels with the derived
// relations appended, and the derived relations alone.
func (l Layered) Generate(t *rapid.T, b *strings.Builder, rels []Rel) (all, derived []Rel) {
	layers := rapid.IntRange(1, 3).Draw(t, "layers")
	for k := 1; k <= layers; k++ {
		nrels := rapid.IntRange(1, 2).Draw(t, "nrels")
		for j := 0; j < nrels; j++ {
			name := fmt.Sprintf("r%d_%d", k, j)
			if l.Name != nil {
				name = l.Name(k, j, nrels)
			}
			r := Rel{Name: name, Arity: rapid.IntRange(1, 3).Draw(t, "arity"), Layer: k}
			r.Agg = rapid.IntRange(0, 3).Draw(t, "agg") == 0
			rels = append(rels, r)
			derived = append(derived, r)
			nrules := 1
			if !r.Agg {
				nrules = rapid.IntRange(1, l.MaxRules).Draw(t, "nrules")
			}
			for ri := 0; ri < nrules; ri++ {
				b.WriteString(l.Rule(t, r.Name, r.Arity, r.Agg, pick(t, rels, r)))
			}
		}
	}
	return rels, derived
}

// pick draws a body relation for a rule of head among rels: a relation of
// a lower layer, or of head's own layer when the literal is positive and
// neither head nor the relation aggregates; never head itself under
// negation or in an aggregate's body.
func pick(t *rapid.T, rels []Rel, head Rel) func(neg bool) (string, int) {
	return func(neg bool) (string, int) {
		var cands []Rel
		for _, c := range rels {
			if c.Name == head.Name && (neg || head.Agg) {
				continue
			}
			if c.Layer < head.Layer || (c.Layer == head.Layer && !neg && !head.Agg && !c.Agg) {
				cands = append(cands, c)
			}
		}
		c := cands[rapid.IntRange(0, len(cands)-1).Draw(t, "atom")]
		return c.Name, c.Arity
	}
}
