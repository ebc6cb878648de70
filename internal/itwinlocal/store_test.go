package itwinlocal_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// sqlMethods are the database/sql calls that run a statement. Name-based: the receivers are *sql.DB, *sql.Tx,
// *sql.Conn or the store's Querier.
var sqlMethods = map[string]int{ // name → minimum argument count (a statement needs its query string)
	"ExecContext": 2, "QueryContext": 2, "QueryRowContext": 2,
	"Exec": 1, "Query": 1, "QueryRow": 1,
}

// TestSQLOnlyInStoreFiles keeps every SQL statement of itwin-local and its engine in store*.go files, so a reader
// finds the whole persistence layer there and handlers keep to HTTP. url.Values' Query() has no argument and
// is not matched.
func TestSQLOnlyInStoreFiles(t *testing.T) {
	var offenders []string
	for _, dir := range []string{".", "engine"} {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			name := e.Name()
			if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") ||
				strings.HasPrefix(name, "store") {
				continue
			}
			path := filepath.Join(dir, name)
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(f, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				sel, ok := call.Fun.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				if min, ok := sqlMethods[sel.Sel.Name]; ok && len(call.Args) >= min {
					offenders = append(offenders, fset.Position(call.Pos()).String()+": "+sel.Sel.Name)
				}
				return true
			})
		}
	}
	slices.Sort(offenders)
	if len(offenders) > 0 {
		t.Errorf("%d SQL calls outside store*.go files (move them into (*Store) methods):\n%s",
			len(offenders), strings.Join(offenders, "\n"))
	}
}
