package eval

import (
	"errors"

	"dsim/semantics/analysis"
)

// Tick evaluates one tick of node under program p. It is a pure function of
// its arguments. ch may be nil (FirstChoices is used).
func Tick(p *analysis.Program, node Node, in Input, ch Choices, lim Limits) (*Result, error) {
	return nil, errors.New("eval.Tick: not implemented yet")
}
