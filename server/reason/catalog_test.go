package reason_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/connevents/connevents/server/reason"
)

var upperSnake = regexp.MustCompile(`^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$`)

// TestCatalogComplete checks that All lists every Reason constant of the
// package exactly once, and that each has a doc comment and an
// UPPER_SNAKE_CASE value.
func TestCatalogComplete(t *testing.T) {
	declared := map[reason.Reason]string{} // value → constant name
	for _, spec := range reasonConsts(t) {
		if spec.Doc == nil || strings.TrimSpace(spec.Doc.Text()) == "" {
			t.Errorf("%s has no doc comment", spec.Names[0].Name)
		}
		lit, ok := spec.Values[0].(*ast.BasicLit)
		if !ok {
			t.Fatalf("%s: value is not a string literal", spec.Names[0].Name)
		}
		v, _ := strconv.Unquote(lit.Value)
		if !upperSnake.MatchString(v) {
			t.Errorf("%s = %q is not UPPER_SNAKE_CASE", spec.Names[0].Name, v)
		}
		if other, dup := declared[reason.Reason(v)]; dup {
			t.Errorf("%s and %s are both %q", other, spec.Names[0].Name, v)
		}
		declared[reason.Reason(v)] = spec.Names[0].Name
	}
	all := reason.All()
	for _, r := range all {
		if _, ok := declared[r]; !ok {
			t.Errorf("All lists %q, which is not a constant", r)
		}
	}
	for v, name := range declared {
		if n := countOf(all, v); n != 1 {
			t.Errorf("All lists %s (%q) %d times, want once", name, v, n)
		}
	}
}

// reasonConsts returns the package's constant specs of type Reason.
func reasonConsts(t *testing.T) []*ast.ValueSpec {
	t.Helper()
	pkgs, err := parser.ParseDir(token.NewFileSet(), ".", func(fi fs.FileInfo) bool {
		return !strings.HasSuffix(fi.Name(), "_test.go")
	}, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	var specs []*ast.ValueSpec
	for _, f := range pkgs["reason"].Files {
		ast.Inspect(f, func(n ast.Node) bool {
			if spec, ok := n.(*ast.ValueSpec); ok {
				if id, ok := spec.Type.(*ast.Ident); ok && id.Name == "Reason" {
					specs = append(specs, spec)
				}
			}
			return true
		})
	}
	if len(specs) == 0 {
		t.Fatal("no Reason constants found")
	}
	return specs
}

func countOf(all []reason.Reason, r reason.Reason) int {
	n := 0
	for _, a := range all {
		if a == r {
			n++
		}
	}
	return n
}

// notReasons are upper-snake strings of the service that are not reasons.
var notReasons = []string{
	"NOT_SERVING",             // the /healthz body
	"CONNEVENTS_BENCH_EVENTS", // the size of the store benchmarks (storetest)
}

// TestNoReasonSpelledOutside checks that no reason is spelled as a string
// outside this package: every other package uses the constants, so that
// the catalog is the whole list.
func TestNoReasonSpelledOutside(t *testing.T) {
	known := map[string]bool{}
	for _, r := range reason.All() {
		known[string(r)] = true
	}
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "reason" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			v, _ := strconv.Unquote(lit.Value)
			looksLikeOne := upperSnake.MatchString(v) && strings.Contains(v, "_") && !slices.Contains(notReasons, v) &&
				!strings.HasPrefix(v, "OTEL_") && // OpenTelemetry's environment variables
				!strings.HasPrefix(v, "CONNEVENTS_") // ours
			if known[v] || looksLikeOne {
				t.Errorf("%s: %q is spelled out; use (or add) a constant of server/reason", path, v)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
