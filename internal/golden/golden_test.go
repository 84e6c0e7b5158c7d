package golden_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/billbridge/billbridge/internal/golden"
)

// recorder is a testing.TB that records failures instead of failing.
type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Errorf(string, ...any) { r.failed = true }
func (r *recorder) Fatalf(string, ...any) { r.failed = true }
func (r *recorder) Helper()               {}

func TestSectionStaleThenUpdated(t *testing.T) {
	path := filepath.Join(t.TempDir(), "README.md")
	doc := "# x\n<!-- table: derived -->\n| a |\n<!-- /table -->\ntail\n"
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	r := &recorder{TB: t}
	golden.Section(r, path, "table", "| b |")
	if !r.failed {
		t.Fatal("a stale section passed")
	}
	t.Setenv("BILLBRIDGE_UPDATE_DOCS", "1")
	golden.Section(t, path, "table", "| b |")
	got, _ := os.ReadFile(path)
	if want := "# x\n<!-- table: derived -->\n| b |\n<!-- /table -->\ntail\n"; string(got) != want {
		t.Fatalf("updated:\n%s\nwant:\n%s", got, want)
	}
	t.Setenv("BILLBRIDGE_UPDATE_DOCS", "")
	r = &recorder{TB: t}
	golden.Section(r, path, "table", "| b |")
	if r.failed {
		t.Fatal("an updated section failed")
	}
}
