package molly

import (
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// loadSrc loads one in-memory file (plus an optional included lib.ded).
func loadSrc(src string) (*Program, string) {
	files := map[string]string{"main.ded": src, "lib.ded": "q(\"a\", 1)@1;\n"}
	read := func(path string) ([]byte, error) {
		if s, ok := files[path]; ok {
			return []byte(s), nil
		}
		return nil, &notFound{path}
	}
	p, srcs, diags := Load([]string{"main.ded"}, Options{Read: read})
	return p, srcs.Render(diags)
}

type notFound struct{ path string }

func (e *notFound) Error() string { return "open " + e.path + ": no such file or directory" }

func TestErrors(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"p(X) :- q(X)\nr(X) :- p(X);\n", "main.ded:1:13: expected ';' at the end of the line"},
		{"p(X) :- q(X, Y);\nr(X) :- q(X);\n", "main.ded:2:9: q has 1 columns here but 2 at main.ded:1:9"},
		{"p(X)@3 :- q(X);\n", "main.ded:1:1: rule head with @3"},
		{"p(X);\nr(Y) :- p(Y);\n", "main.ded:1:3: fact argument is not a constant"},
		{"crash(\"a\", \"b\", 1)@1;\np(X) :- crash(X, _, _);\n", "crash is a relation of the failure model"},
		{"p(X) :- crash(X, _);\n", "crash has 3 columns, not 2"},
		{"pre(X) :- q(X);\n", "pre without post"},
		{"pre(X) :- q(X);\npost(X, Y) :- q(X), q(Y);\n", "pre has 1 columns but post has 2"},
		{"p(X) :- q(X)@next;\n", "@next or @async in a rule body"},
		{"p(X) :- q(X), $;\n", "main.ded:1:15: unexpected character '$'"},
		{"p(\"abc) :- q(X);\n", "string literal not terminated"},
		{"include \"nope.ded\";\n", "cannot read included file \"nope.ded\""},
		{"p(X) :- q(X), X;\n", "expected a comparison operator"},
		{"p(count<X>) :- q(count<X>);\n", "aggregate count<X> outside a head"},
		{"p(X)@async :- q(_, X);\n", "the sender's location is not a variable or a constant"},
		{"p(X, Y) :- q(X);\n", "head variable Y is not bound by the body"},
		{"/* open\n", "comment not terminated"},
	} {
		_, got := loadSrc(tc.src)
		if !strings.Contains(got, tc.want) {
			t.Errorf("%q:\ngot  %s\nwant %s", tc.src, got, tc.want)
		}
		if got != "" && !strings.Contains(got, "hint: ") {
			t.Errorf("%q: no hint in\n%s", tc.src, got)
		}
	}
}

func TestIncludeAndTimedBodyAtom(t *testing.T) {
	p, errs := loadSrc("include \"lib.ded\";\nfirst(N, V) :- q(N, V)@1;\nfirst(N, V)@next :- first(N, V);\n")
	if errs != "" {
		t.Fatal(errs)
	}
	if got := strings.Join(p.Located.Locations, ","); got != "a" {
		t.Fatalf("nodes %s", got)
	}
}

// TestLoadNeverPanics feeds arbitrary text built from the dialect's
// tokens: Load returns a program or diagnostics, never panics.
func TestLoadNeverPanics(t *testing.T) {
	toks := []string{"p", "q", "X", "Y", "_", "\"a\"", "1", "(", ")", ",", ";", ":-", "@", "next", "async", "notin",
		"count<X>", "==", "<", "+", "include", "\"lib.ded\"", "\n", "pre", "post", "crash", "/*", "*/", "//"}
	rapid.Check(t, func(rt *rapid.T) {
		parts := rapid.SliceOfN(rapid.SampledFrom(toks), 0, 40).Draw(rt, "tokens")
		p, errs := loadSrc(strings.Join(parts, " "))
		if p == nil && errs == "" {
			rt.Fatalf("no program and no diagnostics")
		}
	})
}

func TestDeepNestingIsAnError(t *testing.T) {
	src := "p(X) :- q(X), X == " + strings.Repeat("(", 5000) + "1" + strings.Repeat(")", 5000) + ";\n"
	if _, got := loadSrc(src); !strings.Contains(got, "nested too deeply") {
		t.Fatalf("got %s", got)
	}
}
