package syntax

// Equal and Diff live in test code: only tests compare trees, and go-cmp
// (which they use) is a test dependency, not one of the library's.

import (
	"reflect"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// treeOptions compare trees while ignoring every position, and treat a nil
// slice like an empty one — except Decl.Columns, where nil means "no
// column list written" and an empty list declares a nullary relation.
var treeOptions = cmp.Options{
	cmpopts.IgnoreTypes(Pos{}),
	cmp.FilterValues(func(x, y any) bool {
		vx, vy := reflect.ValueOf(x), reflect.ValueOf(y)
		return vx.Kind() == reflect.Slice && vy.Kind() == reflect.Slice &&
			vx.Type() != reflect.TypeOf([]Column(nil)) &&
			vx.Len() == 0 && vy.Len() == 0
	}, cmp.Comparer(func(_, _ any) bool { return true })),
}

// Equal reports whether two trees are the same program text up to
// positions: same items, names, expressions, comments, snippets and
// parentheses.
func Equal(a, b *File) bool { return cmp.Equal(a, b, treeOptions) }

// Diff describes how two trees differ (ignoring positions), or returns ""
// when they are Equal. It is meant for test failure messages.
func Diff(a, b *File) string { return cmp.Diff(a, b, treeOptions) }
