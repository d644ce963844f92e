package eval

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/value"
)

// TestVetAcceptsExactlyWhatEvalExecutes enumerates, for every built-in of
// analysis.Builtins and a component enumeration, every way of writing each
// argument (a variable bound earlier, a fresh variable, a constant, _),
// positive and negated, plus the function forms. For each rule:
//
//   - when `dsim vet` (analysis.Load) accepts it, both evaluators run a tick
//     of it without error;
//   - when vet rejects it, eval could not have run it either: the built-in
//     dispatch refuses the same binding pattern (positive literals), or
//     some argument would have no value (negated literals, function calls).
//
// The issue that motivated it: `ok(v, s) :- in(v), verify(v, s).` passed vet
// and failed at tick time.
func TestVetAcceptsExactlyWhatEvalExecutes(t *testing.T) {
	forms := []form{bound, fresh, constant, wild}
	// A bound variable of each kind comes from a relation holding facts of
	// that kind.
	source := map[value.Kind]string{value.KindInt: "inInt", value.KindString: "inStr", value.KindAddr: "inAddr"}
	constOf := map[value.Kind]string{value.KindInt: "2", value.KindString: `"ab"`}
	facts := "inInt(0).\ninInt(2).\ninStr(\"ab\").\ninAddr(main[0]).\n"

	entries := append([]analysis.Builtin(nil), analysis.Builtins...)
	enum := *analysis.ComponentBuiltin()
	enum.Name = "main"
	entries = append(entries, enum)
	checked, accepted := 0, 0
	for _, b := range entries {
		if b.Internal {
			continue
		}
		n := len(b.Args)
		kind := func(i int) value.Kind {
			if b.Args[i] == value.KindInvalid {
				return value.KindInt
			}
			return b.Args[i]
		}
		total := 1
		for range n {
			total *= len(forms)
		}
		for code := 0; code < total; code++ {
			fs := make([]form, n)
			c := code
			for i := range fs {
				fs[i] = forms[c%len(forms)]
				c /= len(forms)
			}
			for _, negated := range []bool{false, true} {
				var body, head, args []string
				ok := true
				for i, f := range fs {
					switch f {
					case bound:
						v := fmt.Sprintf("b%d", i)
						body = append(body, fmt.Sprintf("%s(%s)", source[kind(i)], v))
						head = append(head, v)
						args = append(args, v)
					case fresh:
						v := fmt.Sprintf("f%d", i)
						head = append(head, v)
						args = append(args, v)
					case constant:
						k, has := constOf[kind(i)]
						if !has {
							ok = false
						}
						args = append(args, k)
					case wild:
						args = append(args, "_")
					}
				}
				if !ok {
					continue
				}
				lit := fmt.Sprintf("%s(%s)", b.Name, strings.Join(args, ", "))
				if negated {
					lit = "!" + lit
				}
				body = append(body, lit)
				src := fmt.Sprintf(".output ok\nok(%s) :- %s.\n%s", strings.Join(head, ", "), strings.Join(body, ", "), facts)
				if len(head) == 0 {
					src = fmt.Sprintf(".output ok\nok(1) :- inInt(_), %s.\n%s", lit, facts)
				}
				checked++
				p, diags := analysis.Load("t.ded", []byte(src))
				if len(diags) == 0 {
					accepted++
					runBoth(t, p, src)
					continue
				}
				// Rejected: eval must not have been able to run it.
				if negated {
					if b.NegatedAs == "" {
						continue // cannot be negated at all
					}
					if !containsForm(fs, fresh) && !containsForm(fs, wild) {
						t.Errorf("vet rejects a negated built-in whose arguments all have values:\n%s%s", src, diags.Render([]byte(src)))
					}
					continue
				}
				if !evalRefuses(t, b, fs) {
					t.Errorf("vet rejects a rule that eval's built-in dispatch would run:\n%s%s", src, diags.Render([]byte(src)))
				}
			}
		}
		if b.Function {
			// Function form: every argument but the output, as an input.
			for _, f := range []form{bound, fresh, constant} {
				var ins, body []string
				for i := 0; i < b.FunctionArity(); i++ {
					switch f {
					case bound:
						v := fmt.Sprintf("b%d", i)
						body = append(body, fmt.Sprintf("%s(%s)", source[kind(i)], v))
						ins = append(ins, v)
					case fresh:
						ins = append(ins, fmt.Sprintf("f%d", i))
					case constant:
						ins = append(ins, constOf[kind(i)])
					}
				}
				body = append(body, fmt.Sprintf("r = %s(%s)", b.Name, strings.Join(ins, ", ")))
				if f != bound {
					body = append([]string{"inInt(_)"}, body...)
				}
				src := fmt.Sprintf(".output ok\nok(r) :- %s.\n%s", strings.Join(body, ", "), facts)
				checked++
				p, diags := analysis.Load("t.ded", []byte(src))
				switch {
				case len(diags) == 0 && f == fresh:
					t.Errorf("vet accepts a function call on unbound inputs:\n%s", src)
				case len(diags) == 0:
					accepted++
					runBoth(t, p, src)
				case f != fresh:
					t.Errorf("vet rejects a function call on bound inputs:\n%s%s", src, diags.Render([]byte(src)))
				}
			}
		}
	}
	// The enumeration is not vacuous: both outcomes occur.
	if accepted == 0 || accepted == checked {
		t.Fatalf("%d of %d rules accepted: the enumeration does not exercise both outcomes", accepted, checked)
	}
	t.Logf("%d rules, %d accepted by vet", checked, accepted)
}

// form is how a test rule writes one argument of a built-in.
type form int

const (
	bound    form = iota // a variable bound by an earlier positive atom
	fresh                // a variable that occurs nowhere else in the body
	constant             // a constant of the argument's type
	wild                 // _
)

func containsForm[T comparable](xs []T, x T) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// runBoth runs one tick of main[0] under Tick and Naive; neither may fail.
func runBoth(t *testing.T, p *analysis.Program, src string) {
	t.Helper()
	if _, err := Tick(p, node0("main"), Input{}, FirstChoices{}, Limits{}); err != nil {
		t.Errorf("vet accepts, Tick fails: %v\n%s", err, src)
	}
	if _, err := Naive(p, node0("main"), Input{}, FirstChoices{}, Limits{}); err != nil {
		t.Errorf("vet accepts, Naive fails: %v\n%s", err, src)
	}
}

// evalRefuses reports whether the built-in dispatch both evaluators share
// refuses a literal whose arguments have values exactly where the form is
// bound or constant.
func evalRefuses(t *testing.T, b analysis.Builtin, fs []form) bool {
	t.Helper()
	p := load(t, "ok(x) :- inInt(x).\ninInt(1).\n")
	w, err := newWorld(p, node0("main"), nil, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	vals := make([]value.Value, len(fs))
	has := make([]bool, len(fs))
	for i, f := range fs {
		if f == bound || f == constant {
			has[i] = true
			vals[i] = value.Int(1)
			if b.Args[i] == value.KindString {
				vals[i] = value.Str("ab")
			}
			if b.Args[i] == value.KindAddr {
				vals[i] = value.AddrOf(value.Addr{Comp: "main"})
			}
		}
	}
	lit := &analysis.Lit{Rel: b.Name, Kind: analysis.LitBuiltin}
	return w.builtin(lit, vals, has, func([]value.Value) error { return nil }) != nil
}
