package billbridge_test

import (
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"strings"
	"testing"
)

// TestImportsRunOneWay checks the layering of the module: cmd/ imports no
// generated package (it goes through the facades), and nothing under
// internal/ or gen/ imports pkg/, except pkg/flex (the tolerant JSON types
// the generated models use). The public packages are built on the engine,
// never the reverse: pkg/option's types are aliases of internal/config's so
// that the engine reads options without importing them. Only the packages'
// own imports count; their tests may use the facades and fakes.
func TestImportsRunOneWay(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-json=ImportPath,Imports,Module", "./...").Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	allowed := map[string]bool{"pkg/flex": true}
	seen := 0
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p struct {
			ImportPath string
			Imports    []string
			Module     struct{ Path string }
		}
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("go list output: %v", err)
		}
		mod := p.Module.Path + "/"
		rel, ok := strings.CutPrefix(p.ImportPath, mod)
		if ok && strings.HasPrefix(rel, "cmd/") {
			// The command line goes through the facades, never past them.
			for _, imp := range p.Imports {
				if irel, ok := strings.CutPrefix(imp, mod); ok && strings.HasPrefix(irel, "gen/") {
					t.Errorf("%s imports %s: the CLI uses the facades' types, not the generated package", rel, irel)
				}
			}
			continue
		}
		if !ok || !(strings.HasPrefix(rel, "internal/") || strings.HasPrefix(rel, "gen/")) {
			continue
		}
		seen++
		for _, imp := range p.Imports {
			irel, ok := strings.CutPrefix(imp, mod)
			if !ok || !strings.HasPrefix(irel, "pkg/") {
				continue
			}
			if !allowed[irel] {
				t.Errorf("%s imports %s: nothing under internal/ or gen/ may import pkg/ (except pkg/flex)", rel, irel)
			}
		}
	}
	if seen < 5 {
		t.Fatalf("go list showed %d packages under internal/ and gen/; the test looks at the wrong tree", seen)
	}
}
