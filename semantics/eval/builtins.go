package eval

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/dsim-project/dsim/semantics/analysis"
	"github.com/dsim-project/dsim/semantics/syntax"
	"github.com/dsim-project/dsim/semantics/value"
)

// This file holds the helpers that Tick and Naive share: the world a tick
// runs in (topology, errors with positions), term evaluation and the
// built-in relations and functions of docs/LANGUAGE.md. They are kept small
// and direct so that the reference evaluator stays obviously correct.

// MaxLessThan is the largest bound less_than(v, n) accepts (docs/LANGUAGE.md).
const MaxLessThan = 1_000_000

// world is the fixed context of one tick: program, node, topology and
// limits.
type world struct {
	prog   *analysis.Program
	node   Node
	file   string
	ch     Choices
	lim    Limits
	total  int   // number of nodes in the topology, for "node"
	counts []int // instances of each component, in program order (count)
	fired  firedRules

	// The address values builtins make, kept so that a binding does not
	// intern its component's name again: each component's instance 0 (in
	// program order, for baseProg), and this node's address (selfOK).
	base     []value.Value
	baseProg *analysis.Program
	self     value.Value
	selfOK   bool
}

func newWorld(p *analysis.Program, node Node, ch Choices, lim Limits) (*world, error) {
	w := &world{}
	if err := w.init(p, node, ch, lim); err != nil {
		return nil, err
	}
	return w, nil
}

// init sets w up for a tick of node under p (Tick keeps one world in each
// pooled engine rather than allocating one per tick).
func (w *world) init(p *analysis.Program, node Node, ch Choices, lim Limits) error {
	if p == nil {
		return fmt.Errorf("eval: nil program")
	}
	if ch == nil {
		ch = FirstChoices{}
	}
	lim = lim.WithDefaults()
	fired, counts, base, baseProg := w.fired.reset(), w.counts[:0], w.base, w.baseProg
	if baseProg != p {
		base, baseProg = nil, p
		for _, c := range p.Components {
			base = append(base, value.AddrOf(value.Addr{Comp: c.Name}))
		}
	}
	*w = world{prog: p, node: node, ch: ch, lim: lim, fired: fired, base: base, baseProg: baseProg}
	if p.File != nil {
		w.file = p.File.Name
	}
	if p.Component(node.Addr.Comp) == nil {
		return fmt.Errorf("eval: node %s: the program has no component %q", node.Addr, node.Addr.Comp)
	}
	for _, c := range p.Components {
		n := w.count(c.Name)
		counts = append(counts, n)
		w.total += n
	}
	w.counts = counts
	return nil
}

// count is the number of instances of component comp: the topology's
// count, or the component's default when the topology does not say.
func (w *world) count(comp string) int {
	if n, ok := w.node.Topology.Counts[comp]; ok {
		return n
	}
	if c := w.prog.Component(comp); c != nil {
		return c.Count
	}
	return 0
}

// errorf makes a runtime error that names the source position.
func (w *world) errorf(pos syntax.Pos, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	return fmt.Errorf("%s:%d:%d: at node %s: %s", w.file, pos.Line, pos.Col, w.node.Addr, msg)
}

// limitErr makes the LimitError of a bound.
func (w *world) limitErr(bound string, limit int) error {
	return &LimitError{Bound: bound, Limit: limit, Node: w.node.Addr}
}

// instance is the address of instance k mod count of comp (Euclidean).
func (w *world) instance(comp string, k int64, pos syntax.Pos) (value.Value, error) {
	n := w.count(comp)
	if n <= 0 {
		return value.Value{}, w.errorf(pos, "component %q has no instances", comp)
	}
	return value.AddrOf(value.Addr{Comp: comp, Instance: int(value.EuclidMod(k, int64(n)))}), nil
}

// nodeAddr is the address of the node with global number k mod the number
// of nodes: nodes are numbered in component declaration order, then
// instance order.
func (w *world) nodeAddr(k int64, pos syntax.Pos) (value.Value, error) {
	if w.total <= 0 {
		return value.Value{}, w.errorf(pos, "the topology has no nodes")
	}
	k = value.EuclidMod(k, int64(w.total))
	for _, c := range w.prog.Components {
		n := int64(w.count(c.Name))
		if k < n {
			return value.AddrOf(value.Addr{Comp: c.Name, Instance: int(k)}), nil
		}
		k -= n
	}
	return value.Value{}, w.errorf(pos, "node number out of range")
}

// canonicalBytes appends an unambiguous encoding of v to b: the kind, then
// the payload with lengths, so that distinct values never share a prefix.
func canonicalBytes(b []byte, v value.Value) []byte {
	b = append(b, byte(v.K))
	switch v.K {
	case value.KindInt:
		b = appendUint64(b, uint64(v.I))
	case value.KindString:
		s := v.S()
		b = appendUint64(b, uint64(len(s)))
		b = append(b, s...)
	case value.KindAddr:
		s := v.S()
		b = appendUint64(b, uint64(len(s)))
		b = append(b, s...)
		b = appendUint64(b, uint64(v.I))
	}
	return b
}

func appendUint64(b []byte, u uint64) []byte {
	for i := 56; i >= 0; i -= 8 {
		b = append(b, byte(u>>i))
	}
	return b
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
	mask63    = 1<<63 - 1
)

func fnv1a(h uint64, b []byte) uint64 {
	for _, c := range b {
		h ^= uint64(c)
		h *= fnvPrime
	}
	return h
}

// mix64 is MurmurHash3's 64-bit finalizer (fmix64). FNV-1a alone has weak
// low bits: hash(v) % 8 sent v = 1..8 to eight different buckets, so small
// workloads never saw two values collide. The finalizer gives every output
// bit an even chance of flipping with every input bit (full avalanche), and
// uses only shifts, xors and wrapping multiplies, so the result is the same
// on every platform.
func mix64(z uint64) uint64 {
	z ^= z >> 33
	z *= 0xff51afd7ed558ccd
	z ^= z >> 33
	z *= 0xc4ceb9fe1a85ec53
	z ^= z >> 33
	return z
}

// digest is the language's hash function over a canonical encoding:
// FNV-1a 64, then mix64, masked to a non-negative 63-bit int.
func digest(b []byte) value.Value {
	return value.Int(int64(mix64(fnv1a(fnvOffset, b)) & mask63))
}

// signKey is the fixed key of sign/verify. Signatures only need to be
// deterministic and hard to forge by accident inside a program.
const signKey = "dsim/sign/v1"

// hashValue is the language's hash(x): digest of the canonical encoding.
func hashValue(v value.Value) value.Value {
	var buf [64]byte
	return digest(canonicalBytes(buf[:0], v))
}

// signValue is the language's sign(x): digest of the key, a zero byte and x.
func signValue(v value.Value) value.Value {
	var buf [64]byte
	b := append(buf[:0], signKey...)
	b = append(b, 0)
	return digest(canonicalBytes(b, v))
}

// concatValues is concat(a, b): strings as they are, ints and addresses in
// their canonical text.
func concatValues(a, b value.Value) value.Value {
	return value.Str(plainText(a) + plainText(b))
}

// MaxStringLen bounds the bytes of a string that concat builds, so that a
// program that doubles a string every tick stops with an error instead of
// exhausting memory.
const MaxStringLen = 1 << 20

// concat is concatValues with the MaxStringLen bound, reported at pos.
func (w *world) concat(pos syntax.Pos, a, b value.Value) (value.Value, error) {
	v := concatValues(a, b)
	if len(v.S()) > MaxStringLen {
		return value.Value{}, w.errorf(pos, "concat builds a string of %d bytes, over the bound of %d bytes (MaxStringLen); "+
			"does a rule grow a string every tick?", len(v.S()), MaxStringLen)
	}
	return v, nil
}

func plainText(v value.Value) string {
	switch v.K {
	case value.KindString:
		return v.S()
	case value.KindInt:
		return strconv.FormatInt(v.I, 10)
	}
	return v.String()
}

// evalTerm computes a term under the bindings env. ok is false when the
// row must be dropped (division or remainder by zero).
func (w *world) evalTerm(t *analysis.Term, env []value.Value) (v value.Value, ok bool, err error) {
	switch t.Op {
	case analysis.TermVar:
		return env[t.Var], true, nil
	case analysis.TermConst:
		return t.Const, true, nil
	case analysis.TermAdd, analysis.TermSub, analysis.TermMul, analysis.TermDiv, analysis.TermMod:
		if len(t.Args) != 2 {
			return v, false, w.errorf(t.Pos, "arithmetic needs two operands")
		}
		a, ok, err := w.evalTerm(&t.Args[0], env)
		if !ok || err != nil {
			return v, ok, err
		}
		b, ok, err := w.evalTerm(&t.Args[1], env)
		if !ok || err != nil {
			return v, ok, err
		}
		if a.K != value.KindInt || b.K != value.KindInt {
			return v, false, w.errorf(t.Pos, "arithmetic on %s and %s (values %s, %s): only ints", a.K, b.K, a, b)
		}
		switch t.Op {
		case analysis.TermAdd:
			return value.Int(a.I + b.I), true, nil
		case analysis.TermSub:
			return value.Int(a.I - b.I), true, nil
		case analysis.TermMul:
			return value.Int(a.I * b.I), true, nil
		case analysis.TermDiv:
			if b.I == 0 {
				return v, false, nil
			}
			return value.Int(value.TruncDiv(a.I, b.I)), true, nil
		default:
			if b.I == 0 {
				return v, false, nil
			}
			return value.Int(value.EuclidMod(a.I, b.I)), true, nil
		}
	case analysis.TermInstance:
		if len(t.Args) != 1 {
			return v, false, w.errorf(t.Pos, "%s[k] needs one index", t.Func)
		}
		k, ok, err := w.evalTerm(&t.Args[0], env)
		if !ok || err != nil {
			return v, ok, err
		}
		if k.K != value.KindInt {
			return v, false, w.errorf(t.Pos, "%s[k]: index %s is a %s, not an int", t.Func, k, k.K)
		}
		v, err := w.instance(t.Func, k.I, t.Pos)
		return v, err == nil, err
	case analysis.TermCall:
		return w.evalCall(t, env)
	case analysis.TermWildcard:
		return v, false, w.errorf(t.Pos, "_ has no value here")
	}
	return v, false, w.errorf(t.Pos, "unknown term kind %d", t.Op)
}

func (w *world) evalCall(t *analysis.Term, env []value.Value) (v value.Value, ok bool, err error) {
	var args [2]value.Value
	if len(t.Args) > len(args) {
		return v, false, w.errorf(t.Pos, "%s: too many arguments", t.Func)
	}
	for i := range t.Args {
		a, ok, err := w.evalTerm(&t.Args[i], env)
		if !ok || err != nil {
			return v, ok, err
		}
		args[i] = a
	}
	// Which functions exist and their arity come from the table analysis
	// checks programs against (analysis.Builtins).
	b := analysis.FunctionOf(t.Func)
	if b == nil {
		return v, false, w.errorf(t.Pos, "unknown built-in function %q", t.Func)
	}
	if want := b.FunctionArity(); len(t.Args) != want {
		return v, false, w.errorf(t.Pos, "%s takes %d argument(s), not %d", t.Func, want, len(t.Args))
	}
	switch t.Func {
	case "hash":
		return hashValue(args[0]), true, nil
	case "sign":
		return signValue(args[0]), true, nil
	case "concat":
		c, err := w.concat(t.Pos, args[0], args[1])
		return c, err == nil, err
	default: // node
		if args[0].K != value.KindInt {
			return v, false, w.errorf(t.Pos, "node(k): %s is a %s, not an int", args[0], args[0].K)
		}
		v, err := w.nodeAddr(args[0].I, t.Pos)
		return v, err == nil, err
	}
}

// destination evaluates an @ target: an address, or an int naming a node
// by global number.
func (w *world) destination(t *analysis.Term, env []value.Value) (value.Addr, bool, error) {
	v, ok, err := w.evalTerm(t, env)
	if !ok || err != nil {
		return value.Addr{}, ok, err
	}
	switch v.K {
	case value.KindAddr:
		if !w.namesComponent(v) {
			return value.Addr{}, false, w.errorf(t.Pos, "@ target %s names no component", v)
		}
		return v.Addr(), true, nil
	case value.KindInt:
		a, err := w.nodeAddr(v.I, t.Pos)
		return a.Addr(), err == nil, err
	}
	return value.Addr{}, false, w.errorf(t.Pos, "@ target %s is a %s, not an address or a node number", v, v.K)
}

// namesComponent reports whether the address v names a component of the
// program: compared with each component's address value (a few integer
// compares), not looked up by name.
func (w *world) namesComponent(v value.Value) bool {
	v.I = 0
	return slices.Contains(w.base, v)
}

// compare applies a comparison operator.
func (w *world) compare(op string, a, b value.Value, pos syntax.Pos) (bool, error) {
	c := a.Compare(b)
	switch op {
	case "<":
		return c < 0, nil
	case "<=":
		return c <= 0, nil
	case ">":
		return c > 0, nil
	case ">=":
		return c >= 0, nil
	case "==", "=":
		return c == 0, nil
	case "!=":
		return c != 0, nil
	}
	return false, w.errorf(pos, "unknown comparison %q", op)
}

// builtin evaluates a built-in relation literal. vals holds one value per
// argument and bound says which are inputs; yield is called once per
// solution with the unbound positions of vals filled in (the caller binds
// the corresponding variables). Bound positions that the built-in would
// compute are compared instead.
func (w *world) builtin(l *analysis.Lit, vals []value.Value, bound []bool, yield func([]value.Value) error) error {
	return w.builtinOf(analysis.BuiltinOf(w.prog, l.Rel), -1, l, vals, bound, yield)
}

// builtinOf is builtin with the literal's table entry b looked up
// already (Tick's plans look it up once, not on every binding) and, for a
// component enumeration, the component's position in the program (comp;
// -1: look it up by name).
func (w *world) builtinOf(b *analysis.Builtin, comp int, l *analysis.Lit, vals []value.Value, bound []bool, yield func([]value.Value) error) error {
	// Arity and the arguments that must be bound come from the table
	// analysis plans rules with (analysis.Builtins), so a rule that vet
	// accepts never fails these checks.
	if b == nil {
		return w.errorf(l.Pos, "unknown built-in relation %q", l.Rel)
	}
	if len(vals) != len(b.Args) {
		return w.errorf(l.Pos, "%s takes %d argument(s), not %d", l.Rel, len(b.Args), len(vals))
	}
	for _, i := range b.Inputs {
		if !bound[i] {
			return w.errorf(l.Pos, "%s: argument %d must be bound before it is used", l.Rel, i+1)
		}
	}
	// result binds or compares the last argument.
	result := func(i int, v value.Value) error {
		if bound[i] {
			if vals[i] != v {
				return nil
			}
			return yield(vals)
		}
		vals[i] = v
		return yield(vals)
	}
	switch l.Rel {
	case "hash", "sign":
		if l.Rel == "hash" {
			return result(1, hashValue(vals[0]))
		}
		return result(1, signValue(vals[0]))
	case "verify":
		if signValue(vals[0]) == vals[1] {
			return yield(vals)
		}
		return nil
	case "concat":
		c, err := w.concat(l.Pos, vals[0], vals[1])
		if err != nil {
			return err
		}
		return result(2, c)
	case "less_than":
		n := vals[1]
		if n.K != value.KindInt {
			return w.errorf(l.Pos, "less_than(v, n): n is %s, a %s, not an int", n, n.K)
		}
		if n.I > MaxLessThan {
			return w.errorf(l.Pos, "less_than(v, n): n = %d exceeds the bound %d", n.I, MaxLessThan)
		}
		if bound[0] {
			if v := vals[0]; v.K == value.KindInt && v.I >= 0 && v.I < n.I {
				return yield(vals)
			}
			return nil
		}
		for i := int64(0); i < n.I; i++ {
			vals[0] = value.Int(i)
			if err := yield(vals); err != nil {
				return err
			}
		}
		return nil
	case "self":
		if !w.selfOK {
			w.self, w.selfOK = value.AddrOf(w.node.Addr), true
		}
		return result(0, w.self)
	}
	// A component enumeration (BuiltinOf found no table entry otherwise).
	var n int
	var base value.Value // instance 0 of the component
	if comp >= 0 && comp < len(w.counts) {
		n, base = w.counts[comp], w.base[comp]
	} else {
		n, base = w.count(l.Rel), value.AddrOf(value.Addr{Comp: l.Rel})
	}
	if bound[0] {
		v := vals[0]
		inst := v.I
		v.I = 0
		if v == base && inst >= 0 && inst < int64(n) {
			return yield(vals)
		}
		return nil
	}
	for i := 0; i < n; i++ {
		v := base
		v.I = int64(i)
		vals[0] = v
		if err := yield(vals); err != nil {
			return err
		}
	}
	return nil
}
