package golden_test

import (
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/billbridge/billbridge/internal/golden"
)

// facades are the providers in README order: each names its spec
// (specs/<name>.yaml) and its package (pkg/<name>).
var facades = []string{"tight", "chargeover", "meteroid"}

const readme = "../../README.md"

// TestReadmeSpecOperations: README's table of the specs' operations
// (section spec-ops) is derived from the specs, in their order.
func TestReadmeSpecOperations(t *testing.T) {
	var rows [][]string
	for _, p := range facades {
		title, ops := specOperations(t, filepath.Join("../../specs", p+".yaml"))
		for i, op := range ops {
			ops[i] = "`" + op + "`"
		}
		rows = append(rows, []string{title, fmt.Sprintf("[`specs/%s.yaml`](specs/%s.yaml)", p, p), strings.Join(ops, ", ")})
	}
	golden.Section(t, readme, "spec-ops", golden.Table([]string{"provider", "spec", "operations"}, rows))
}

// TestReadmeFacadeMethods: README's table of each facade's calls (section
// facade-methods) is derived from the methods of each package's Client,
// grouped by what they return.
func TestReadmeFacadeMethods(t *testing.T) {
	kinds := []string{
		"batch writes (slice; `+Seq`: the `iter.Seq` form), one result per item",
		"single-item writes, `(T, error)` or `error`",
		"reads of one entity",
		"lists, `iter.Seq2[T, error]`, every page walked",
		"other calls",
	}
	cells := make([][]string, len(kinds))
	for _, p := range facades {
		byKind := clientMethods(t, filepath.Join("../../pkg", p))
		for k := range kinds {
			cells[k] = append(cells[k], strings.Join(byKind[k], ", "))
		}
	}
	var rows [][]string
	for k, name := range kinds {
		if slices.ContainsFunc(cells[k], func(s string) bool { return s != "" }) {
			rows = append(rows, append([]string{name}, cells[k]...))
		}
	}
	golden.Section(t, readme, "facade-methods", golden.Table([]string{"call", "Tight", "ChargeOver", "Meteroid"}, rows))
}

// specOperations reads a spec's info.title and its operationIds in the
// document's order of paths and methods.
func specOperations(t *testing.T, path string) (string, []string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Info  struct{ Title string }
		Paths yaml.Node
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var ops []string
	for i := 1; i < len(doc.Paths.Content); i += 2 {
		item := doc.Paths.Content[i]
		for j := 0; j+1 < len(item.Content); j += 2 {
			switch item.Content[j].Value {
			case "get", "put", "post", "delete", "patch", "head", "options", "trace":
			default:
				continue
			}
			var op struct {
				OperationID string `yaml:"operationId"`
			}
			if err := item.Content[j+1].Decode(&op); err != nil {
				t.Fatal(err)
			}
			ops = append(ops, op.OperationID)
		}
	}
	return doc.Info.Title, ops
}

// clientMethods groups the exported methods of *Client declared in dir's
// non-test files by what they return: a slice of results (a batch write,
// shown once with "+Seq" when its iter.Seq twin exists), an iter.Seq2 (a
// list), or anything else: a single-item write when a batch of the same name
// plus "s" exists, a read when the name starts with Get, else another call.
func clientMethods(t *testing.T, dir string) [5][]string {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	results := map[string]string{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range file.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv == nil || !fn.Name.IsExported() || fn.Type.Results == nil {
				continue
			}
			star, ok := fn.Recv.List[0].Type.(*ast.StarExpr)
			if id, ok2 := star.X.(*ast.Ident); !ok || !ok2 || id.Name != "Client" {
				continue
			}
			if fn.Doc != nil && strings.Contains(fn.Doc.Text(), "Deprecated:") {
				continue
			}
			results[fn.Name.Name] = exprString(fset, fn.Type.Results.List[0].Type)
		}
	}
	var out [5][]string
	names := make([]string, 0, len(results))
	for n := range results {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		r := results[n]
		switch {
		case strings.HasPrefix(r, "[]billbridge.Result"):
			cell := "`" + n + "`"
			if _, ok := results[n+"Seq"]; ok {
				cell += " (+Seq)"
			}
			out[0] = append(out[0], cell)
		case strings.HasPrefix(r, "iter.Seq2"):
			out[3] = append(out[3], "`"+n+"`")
		case strings.HasPrefix(r, "iter.Seq["):
			if _, ok := results[strings.TrimSuffix(n, "Seq")]; !ok {
				out[4] = append(out[4], "`"+n+"`")
			}
		case strings.HasPrefix(results[n+"s"], "[]billbridge.Result"):
			out[1] = append(out[1], "`"+n+"`")
		case strings.HasPrefix(n, "Get"):
			out[2] = append(out[2], "`"+n+"`")
		default:
			out[4] = append(out[4], "`"+n+"`")
		}
	}
	return out
}

func exprString(fset *token.FileSet, e ast.Expr) string {
	var b strings.Builder
	if err := format.Node(&b, fset, e); err != nil {
		return ""
	}
	return b.String()
}
