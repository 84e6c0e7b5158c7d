// Package specgate is the release gate of the hand-written specs in specs/:
// for each spec it finds the base version (the last release tag, or the merge
// base with main, or on main the version before the last change of the spec),
// reports breaking changes with oasdiff (the library of `oasdiff breaking
// --fail-on ERR`), fails on each unless the allow-list names it with a reason
// and, named or not, unless info.version's major is greater than the base's,
// requires a bumped semantic info.version when the spec changed, and requires a
// specs/CHANGELOG.md entry for the current version. `make lint` runs it
// through ./internal/specgate/cmd/specgate.
package specgate

import (
	"fmt"
	"sort"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oasdiff/oasdiff/checker"
	"github.com/oasdiff/oasdiff/diff"
	"github.com/oasdiff/oasdiff/load"
)

// Change is one change oasdiff reports between two versions of a spec.
type Change struct {
	ID        string // oasdiff rule id, e.g. "response-property-removed"
	Level     string // "error" (breaking) or "warning"
	Operation string // "POST /v6/customers"; empty for changes outside operations
	Text      string // oasdiff's message, uncoloured
}

// Breaking reports whether Level is oasdiff's ERR (what `--fail-on ERR` fails on).
func (c Change) Breaking() bool { return c.Level == "error" }

// String renders the change on one line: level, operation, rule id and text.
func (c Change) String() string {
	op := c.Operation
	if op == "" {
		op = "(document)"
	}
	return fmt.Sprintf("%s %s [%s] %s", c.Level, op, c.ID, c.Text)
}

// LoadError is a spec that could not be loaded (the CLI's exit code 102).
type LoadError struct {
	Which string // "base" or "revision"
	Err   error  // why it did not load
}

// Error says which spec failed to load and why.
func (e *LoadError) Error() string { return fmt.Sprintf("failed to load %s spec: %v", e.Which, e.Err) }

// Unwrap returns the loading error.
func (e *LoadError) Unwrap() error { return e.Err }

// Compare returns the breaking (ERR) and warning (WARN) changes from base to
// revision, as `oasdiff breaking` computes them with all checks. The specs
// must be self-contained (external $refs are refused).
func Compare(name string, base, revision []byte) ([]Change, error) {
	s1, err := loadSpec(name, base)
	if err != nil {
		return nil, &LoadError{Which: "base", Err: err}
	}
	s2, err := loadSpec(name, revision)
	if err != nil {
		return nil, &LoadError{Which: "revision", Err: err}
	}
	d, sources, err := diff.GetWithOperationsSourcesMap(diff.NewConfig(), s1, s2)
	if err != nil {
		return nil, fmt.Errorf("oasdiff: %w", err)
	}
	l := checker.NewDefaultLocalizer()
	var out []Change
	for _, c := range checker.CheckBackwardCompatibilityUntilLevel(checker.NewConfig(checker.GetAllChecks()), d, sources, checker.WARN) {
		ch := Change{ID: c.GetId(), Level: "warning", Text: c.GetUncolorizedText(l)}
		if c.GetLevel() == checker.ERR {
			ch.Level = "error"
		}
		if c.GetOperation() != "" {
			ch.Operation = c.GetOperation() + " " + c.GetPath()
		}
		out = append(out, ch)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Breaking() && !out[j].Breaking() })
	return out, nil
}

func loadSpec(name string, data []byte) (*load.SpecInfo, error) {
	loader := openapi3.NewLoader() // a fresh loader per spec: its cache is keyed by name
	loader.IsExternalRefsAllowed = false
	return load.NewSpecInfoFromData(loader, data, name)
}
