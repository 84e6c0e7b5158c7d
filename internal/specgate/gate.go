package specgate

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/mod/semver"
)

// Config says what to check.
type Config struct {
	Dir       string   // the specs directory (specs/)
	Specs     []string // spec names: <Dir>/<name>.yaml
	Allowlist string   // default <Dir>/breaking-changes.yaml
	Changelog string   // default <Dir>/CHANGELOG.md
	Base      string   // forced base ref (SPECGATE_BASE); empty: choose
	Repo      *Repo    // default: git in Dir
}

// Result is the outcome for one spec.
type Result struct {
	Spec    string // the spec's name, such as "tight"
	Version string // the spec's current info.version
	// BaseVersion is the base's info.version; empty when there is no base
	// or it has no readable version.
	BaseVersion string
	Base        *Base    // what the spec was compared with; nil when nothing was
	Breaking    []Change // breaking changes the allow-list does not name: failures
	Allowed     []Change // breaking changes the allow-list names (failures too without a major bump)
	Warnings    []Change // oasdiff warnings (not failing)
	Errors      []error  // version, changelog and load failures
	Notes       []string // information for the report
}

// Failed reports whether the spec fails the gate.
func (r *Result) Failed() bool { return len(r.Breaking) > 0 || len(r.Errors) > 0 }

// Run checks every spec and writes a report to w. The error is non-nil when
// the gate fails (or cannot run).
func Run(cfg Config, w io.Writer) ([]*Result, error) {
	if cfg.Allowlist == "" {
		cfg.Allowlist = filepath.Join(cfg.Dir, "breaking-changes.yaml")
	}
	if cfg.Changelog == "" {
		cfg.Changelog = filepath.Join(cfg.Dir, "CHANGELOG.md")
	}
	if cfg.Repo == nil {
		cfg.Repo = &Repo{Dir: cfg.Dir}
	}
	allow, err := LoadAllowlist(cfg.Allowlist)
	if err != nil {
		return nil, err
	}
	md, err := os.ReadFile(cfg.Changelog)
	if err != nil {
		return nil, fmt.Errorf("changelog: %w", err)
	}
	changelog := ParseChangelog(md)
	var results []*Result
	failed := 0
	for _, name := range cfg.Specs {
		res := checkSpec(cfg, name, allow, changelog)
		results = append(results, res)
		report(w, res)
		if res.Failed() {
			failed++
		}
	}
	if failed > 0 {
		return results, fmt.Errorf("spec gate: %d of %d specs failed", failed, len(cfg.Specs))
	}
	return results, nil
}

func checkSpec(cfg Config, name string, allow *Allowlist, changelog Changelog) *Result {
	res := &Result{Spec: name}
	path := filepath.Join(cfg.Dir, name+".yaml")
	head, err := os.ReadFile(path)
	if err != nil {
		res.Errors = append(res.Errors, err)
		return res
	}
	if res.Version, err = InfoVersion(head); err != nil {
		res.Errors = append(res.Errors, err)
		return res
	}
	if err := changelog.Check(name, res.Version); err != nil {
		res.Errors = append(res.Errors, err)
	}
	base, err := cfg.Repo.BaseFor(path, cfg.Base)
	if err != nil {
		res.Errors = append(res.Errors, fmt.Errorf("base: %w", err))
		return res
	}
	res.Base = base
	if base.Spec == nil {
		return res
	}
	baseVersion, baseErr := InfoVersion(base.Spec)
	if baseErr != nil {
		res.Notes = append(res.Notes, fmt.Sprintf("base version unreadable (%v): bump not checked", baseErr))
	} else {
		res.BaseVersion = baseVersion
		if err := CheckBump(baseVersion, res.Version, !bytes.Equal(base.Spec, head)); err != nil {
			res.Errors = append(res.Errors, err)
		}
		res.Notes = append(res.Notes, fmt.Sprintf("version %s at the base, %s now", baseVersion, res.Version))
	}
	changes, err := Compare(name+".yaml", base.Spec, head)
	if err != nil {
		var le *LoadError
		if errors.As(err, &le) {
			err = fmt.Errorf("oasdiff: %w (the CLI's exit code 102)", err)
		}
		res.Errors = append(res.Errors, err)
		return res
	}
	for _, c := range changes {
		switch {
		case !c.Breaking():
			res.Warnings = append(res.Warnings, c)
		case allow.Match(name, res.Version, c) != nil:
			res.Allowed = append(res.Allowed, c)
		default:
			res.Breaking = append(res.Breaking, c)
		}
	}
	// Every breaking change needs a major version, allow-listed or not: the
	// allow-list records why a change is made, it does not stand in for the
	// bump that tells consumers.
	if n := len(res.Allowed) + len(res.Breaking); n > 0 {
		changes := fmt.Sprintf("%d breaking changes (allow-listed or not) need", n)
		if n == 1 {
			changes = "1 breaking change (allow-listed or not) needs"
		}
		switch {
		case baseErr != nil:
			res.Errors = append(res.Errors, fmt.Errorf("%s a major version bump, which cannot be checked against a base without a readable info.version: %v", changes, baseErr))
		case !MajorBumped(baseVersion, res.Version):
			res.Errors = append(res.Errors, fmt.Errorf("%s a major version bump: info.version is %s at the base and %s now; make it %s, with a CHANGELOG entry (an allow-list entry documents a breaking change, it does not replace the bump)", changes, baseVersion, res.Version, nextMajor(baseVersion)))
		}
	}
	return res
}

// nextMajor names the versions a breaking change needs after base:
// "3.0.0 or later" after 2.1.0, "a new major" when base is not a version.
func nextMajor(base string) string {
	m, err := strconv.Atoi(strings.TrimPrefix(semver.Major("v"+base), "v"))
	if err != nil {
		return "a new major"
	}
	return fmt.Sprintf("%d.0.0 or later", m+1)
}

func report(w io.Writer, r *Result) {
	status := "ok"
	if r.Failed() {
		status = "FAIL"
	}
	fmt.Fprintf(w, "== spec gate: %s %s: %s\n", r.Spec, r.Version, status)
	if r.Base != nil {
		fmt.Fprintf(w, "   base: %s\n", r.Base.Why)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "   note: %s\n", n)
	}
	for _, c := range r.Warnings {
		fmt.Fprintf(w, "   warning (not failing): %s\n", c)
	}
	for _, c := range r.Allowed {
		fmt.Fprintf(w, "   breaking, allow-listed: %s\n", c)
	}
	for _, c := range r.Breaking {
		fmt.Fprintf(w, "   BREAKING: %s\n", c)
	}
	if len(r.Breaking) > 0 {
		if r.BaseVersion != "" && MajorBumped(r.BaseVersion, r.Version) {
			fmt.Fprintf(w, "   to accept a breaking change, add an entry to the allow-list with spec: %s, version: %s, the id above and a reason\n", r.Spec, r.Version)
		} else {
			fmt.Fprintf(w, "   to accept a breaking change, bump info.version to a new major (%s, with a CHANGELOG entry) and add an entry to the allow-list with spec: %s, version: <that version>, the id above and a reason\n", nextMajor(r.BaseVersion), r.Spec)
		}
	}
	for _, e := range r.Errors {
		fmt.Fprintf(w, "   ERROR: %v\n", e)
	}
}
