package specgate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

var realSpecs = []string{"tight", "chargeover", "meteroid"}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func ids(cs []Change) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}

func breakingOnly(cs []Change) []Change {
	var out []Change
	for _, c := range cs {
		if c.Breaking() {
			out = append(out, c)
		}
	}
	return out
}

func hasChange(cs []Change, id, op string) bool {
	for _, c := range cs {
		if c.ID == id && c.Breaking() && (op == "" || c.Operation == op) {
			return true
		}
	}
	return false
}

// mutate loads a real spec, applies f and returns it as JSON (which is YAML).
func mutate(t *testing.T, name string, f func(*openapi3.T)) []byte {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(filepath.Join("..", "..", "specs", name+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	f(doc)
	if err := doc.Validate(context.Background(), openapi3.DisableExamplesValidation()); err != nil {
		t.Fatalf("mutated %s does not validate: %v", name, err)
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func schema(t *testing.T, doc *openapi3.T, name string) *openapi3.Schema {
	t.Helper()
	ref := doc.Components.Schemas[name]
	if ref == nil || ref.Value == nil {
		t.Fatalf("no schema %s", name)
	}
	return ref.Value
}

func TestRealSpecsHaveNoChangesAgainstThemselves(t *testing.T) {
	for _, name := range realSpecs {
		spec := readFile(t, filepath.Join("..", "..", "specs", name+".yaml"))
		changes, err := Compare(name, spec, spec)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(changes) != 0 {
			t.Errorf("%s against itself: %v", name, changes)
		}
	}
}

func TestFixtureBreakingFails(t *testing.T) {
	base := readFile(t, "testdata/base.yaml")
	changes, err := Compare("fixture.yaml", base, readFile(t, "testdata/breaking.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range changes {
		t.Log(c)
	}
	if !hasChange(changes, "new-required-request-property", "POST /v1/customers") {
		t.Errorf("the new required request field is not reported as breaking: %v", ids(changes))
	}
	if !hasChange(changes, "response-required-property-removed", "POST /v1/customers") {
		t.Errorf("the removed response field is not reported as breaking: %v", ids(changes))
	}
	changes, err = Compare("fixture.yaml", base, readFile(t, "testdata/compatible.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if b := breakingOnly(changes); len(b) != 0 {
		t.Errorf("compatible additions reported as breaking: %v", b)
	}
}

// The real specs with a breaking edit each: the gate must see it.
func TestRealSpecBreakingEditsFail(t *testing.T) {
	cases := []struct {
		spec, id, op string
		edit         func(*testing.T, *openapi3.T)
	}{
		{"tight", "new-required-request-property", "POST /customers", func(t *testing.T, d *openapi3.T) {
			s := schema(t, d, "CustomerInput")
			s.Properties["tenantId"] = openapi3.NewSchemaRef("", openapi3.NewStringSchema())
			s.Required = append(s.Required, "tenantId")
		}},
		// Tight 2.0 marks no response field required (its documents state
		// none), so its response-side case narrows a type instead.
		{"tight", "response-property-type-changed", "POST /customers", func(t *testing.T, d *openapi3.T) {
			schema(t, d, "CustomerAddress").Properties["countryCode"].Value.Type = &openapi3.Types{"integer"}
		}},
		{"chargeover", "response-required-property-removed", "GET /api/v3/customer/external_key:{key}", func(t *testing.T, d *openapi3.T) {
			delete(schema(t, d, "Customer").Properties, "customer_id")
		}},
		{"meteroid", "new-required-request-property", "PATCH /api/v1/customers/{id_or_alias}", func(t *testing.T, d *openapi3.T) {
			var body *openapi3.Schema
			for _, c := range d.Paths.Find("/api/v1/customers/{id_or_alias}").Patch.RequestBody.Value.Content {
				body = c.Schema.Value
			}
			body.Properties["reason"] = openapi3.NewSchemaRef("", openapi3.NewStringSchema())
			body.Required = append(body.Required, "reason")
		}},
	}
	for _, tc := range cases {
		t.Run(tc.spec+"/"+tc.id, func(t *testing.T) {
			base := readFile(t, filepath.Join("..", "..", "specs", tc.spec+".yaml"))
			rev := mutate(t, tc.spec, func(d *openapi3.T) { tc.edit(t, d) })
			changes, err := Compare(tc.spec, base, rev)
			if err != nil {
				t.Fatal(err)
			}
			if !hasChange(changes, tc.id, tc.op) {
				t.Errorf("want breaking %s on %s, got %v", tc.id, tc.op, changes)
			}
		})
	}
}

func TestLoadFailure(t *testing.T) {
	_, err := Compare("x.yaml", readFile(t, "testdata/base.yaml"), []byte("openapi: 3.0.3\npaths: [\n"))
	var le *LoadError
	if !errors.As(err, &le) || le.Which != "revision" {
		t.Fatalf("want a revision LoadError, got %v", err)
	}
}

func TestAllowlist(t *testing.T) {
	if _, err := ParseAllowlist([]byte("allowed:\n  - {spec: tight, version: 2.0.0, id: response-property-removed}\n")); err == nil || !strings.Contains(err.Error(), "reason") {
		t.Errorf("an entry without a reason must be refused, got %v", err)
	}
	if _, err := ParseAllowlist([]byte("allowed:\n  - {spec: tight, version: 2, id: x, reason: y}\n")); err == nil {
		t.Error("a non-semantic version must be refused")
	}
	if _, err := ParseAllowlist([]byte("allowed:\n  - {spec: tight, version: 2.0.0, id: x, reason: y, path: z}\n")); err == nil {
		t.Error("an unknown key must be refused")
	}
	a, err := LoadAllowlist(filepath.Join("..", "..", "specs", "breaking-changes.yaml"))
	if err != nil {
		t.Fatalf("specs/breaking-changes.yaml: %v", err)
	}
	_ = a
	a, err = ParseAllowlist([]byte(`allowed:
  - spec: fixture
    version: 2.0.0
    id: response-property-removed
    operation: POST /v1/customers
    text: email
    reason: test
`))
	if err != nil {
		t.Fatal(err)
	}
	c := Change{ID: "response-property-removed", Level: "error", Operation: "POST /v1/customers", Text: "removed the optional property `email` from the response with the `200` status"}
	if a.Match("fixture", "2.0.0", c) == nil {
		t.Error("entry does not match its change")
	}
	for _, miss := range []struct{ spec, version string }{{"tight", "2.0.0"}, {"fixture", "2.0.1"}} {
		if a.Match(miss.spec, miss.version, c) != nil {
			t.Errorf("entry matches %s %s", miss.spec, miss.version)
		}
	}
	c2 := c
	c2.Text = "removed the property `name`"
	if a.Match("fixture", "2.0.0", c2) != nil {
		t.Error("entry matches another text")
	}
}

func TestVersions(t *testing.T) {
	for _, tc := range []struct {
		base, cur string
		changed   bool
		ok        bool
	}{
		{"1.0.0", "1.0.0", false, true},
		{"1.0.0", "1.0.0", true, false},
		{"1.0.0", "1.0.1", true, true},
		{"1.0.0", "2.0.0", true, true},
		{"1.2.0", "1.1.9", true, false},
		{"1.2.0", "1.10.0", true, true},
		{"1.0.0", "1.0.1-rc.1", true, true},
	} {
		if err := CheckBump(tc.base, tc.cur, tc.changed); (err == nil) != tc.ok {
			t.Errorf("CheckBump(%s, %s, %v) = %v", tc.base, tc.cur, tc.changed, err)
		}
	}
	if _, err := InfoVersion([]byte("info:\n  version: '1.0'\n")); err == nil {
		t.Error("1.0 is not a semantic version")
	}
	for _, name := range realSpecs {
		if _, err := InfoVersion(readFile(t, filepath.Join("..", "..", "specs", name+".yaml"))); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestChangelog(t *testing.T) {
	cl := ParseChangelog([]byte("# x\n## tight — T\n### 1.1.0 — 2026-01-01\n\n- a\n### 1.0.0\n## chargeover\n### [1.0.0]\n- b\n"))
	if cl.Check("tight", "1.1.0") != nil || cl.Check("chargeover", "1.0.0") != nil {
		t.Errorf("entries not found: %v", cl)
	}
	if cl.Check("tight", "1.0.0") == nil {
		t.Error("an empty entry must not count")
	}
	if cl.Check("meteroid", "1.0.0") == nil {
		t.Error("a missing section must not count")
	}
	real := ParseChangelog(readFile(t, filepath.Join("..", "..", "specs", "CHANGELOG.md")))
	for _, name := range realSpecs {
		v, err := InfoVersion(readFile(t, filepath.Join("..", "..", "specs", name+".yaml")))
		if err != nil {
			t.Fatal(err)
		}
		if err := real.Check(name, v); err != nil {
			t.Error(err)
		}
	}
}

// --- the whole gate in scratch git repositories ---

type scratch struct {
	t   *testing.T
	dir string
}

func newScratch(t *testing.T) *scratch {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	for k, v := range map[string]string{
		"GIT_CONFIG_GLOBAL": os.DevNull, "GIT_CONFIG_NOSYSTEM": "1",
		"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
		"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
	} {
		t.Setenv(k, v)
	}
	s := &scratch{t: t, dir: t.TempDir()}
	s.git("init", "-q", "-b", "main")
	s.write("specs/CHANGELOG.md", "# c\n## fixture\n### 1.0.0\n- first\n")
	s.write("specs/breaking-changes.yaml", "allowed: []\n")
	return s
}

func (s *scratch) git(args ...string) string {
	s.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = s.dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		s.t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

func (s *scratch) write(rel, content string) {
	s.t.Helper()
	p := filepath.Join(s.dir, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		s.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		s.t.Fatal(err)
	}
}

func (s *scratch) commit(msg string) {
	s.t.Helper()
	s.git("add", "-A")
	s.git("commit", "-q", "-m", msg)
}

func (s *scratch) changelog(versions ...string) {
	var b strings.Builder
	b.WriteString("# c\n## fixture\n")
	for _, v := range versions {
		b.WriteString("### " + v + "\n- change\n")
	}
	s.write("specs/CHANGELOG.md", b.String())
}

func (s *scratch) run(base string) (*Result, string, error) {
	s.t.Helper()
	var out bytes.Buffer
	rs, err := Run(Config{Dir: filepath.Join(s.dir, "specs"), Specs: []string{"fixture"}, Base: base}, &out)
	s.t.Log("\n" + out.String())
	if rs == nil {
		return nil, out.String(), err
	}
	return rs[0], out.String(), err
}

func fixture(t *testing.T, name string) string { return string(readFile(t, "testdata/"+name)) }

func TestGateOnBranch(t *testing.T) {
	s := newScratch(t)
	s.write("specs/fixture.yaml", fixture(t, "base.yaml"))
	s.commit("first")
	// First commit on main: the spec is new, nothing to compare.
	if r, _, err := s.run(""); err != nil || r.Base.Spec != nil {
		t.Fatalf("first commit: %v", err)
	}
	s.git("checkout", "-q", "-b", "feature")

	// A breaking change: version bumped, CHANGELOG entry, no allow-list entry: fails.
	s.write("specs/fixture.yaml", fixture(t, "breaking.yaml"))
	s.changelog("2.0.0", "1.0.0")
	s.commit("break")
	r, out, err := s.run("")
	if err == nil || len(r.Breaking) < 2 || !strings.Contains(out, "merge base of HEAD and refs/heads/main") {
		t.Fatalf("breaking change on a branch: want failure, got %v %v", err, r.Breaking)
	}
	if !hasChange(r.Breaking, "new-required-request-property", "") || !hasChange(r.Breaking, "response-required-property-removed", "") {
		t.Errorf("breaking: %v", ids(r.Breaking))
	}

	// Allow-listed (with a reason): passes.
	s.write("specs/breaking-changes.yaml", `allowed:
  - spec: fixture
    version: 2.0.0
    id: new-required-request-property
    reason: every caller already sends currency
  - spec: fixture
    version: 2.0.0
    id: response-required-property-removed
    operation: POST /v1/customers
    text: name
    reason: the server never returned name
`)
	if r, _, err = s.run(""); err != nil || len(r.Allowed) < 2 {
		t.Fatalf("allow-listed: want pass, got %v (allowed %v)", err, r.Allowed)
	}

	// The same change without a version bump fails.
	s.write("specs/fixture.yaml", strings.Replace(fixture(t, "breaking.yaml"), "version: 2.0.0", "version: 1.0.0", 1))
	s.write("specs/breaking-changes.yaml", "allowed: []\n")
	if _, out, err = s.run(""); err == nil || !strings.Contains(out, "bump it") {
		t.Fatalf("no bump: want failure, got %v", err)
	}

	// A compatible change with a bump but without a CHANGELOG entry fails; with one it passes.
	s.write("specs/fixture.yaml", fixture(t, "compatible.yaml"))
	s.changelog("1.0.0")
	if _, out, err = s.run(""); err == nil || !strings.Contains(out, "no entry for fixture 1.1.0") {
		t.Fatalf("no changelog entry: want failure, got %v", err)
	}
	s.changelog("1.1.0", "1.0.0")
	if r, _, err = s.run(""); err != nil || len(r.Warnings)+len(r.Breaking) != 0 {
		t.Fatalf("compatible change: want pass, got %v", err)
	}
	// A description-only edit without a bump fails too.
	s.write("specs/fixture.yaml", strings.Replace(fixture(t, "base.yaml"), "title: Fixture API", "title: Fixture API (edited)", 1))
	if _, _, err = s.run(""); err == nil {
		t.Fatal("edit without a bump: want failure")
	}
}

func TestGateOnMainAndShallowClone(t *testing.T) {
	s := newScratch(t)
	s.write("README", "x\n")
	s.commit("first, without the spec")
	s.write("specs/fixture.yaml", fixture(t, "base.yaml"))
	s.commit("add the spec")
	// On main, the base is the parent of the last commit that changed the spec, where it is absent.
	r, out, err := s.run("")
	if err != nil || r.Base.Spec != nil || !strings.Contains(out, "absent") {
		t.Fatalf("new spec on main: %v", err)
	}
	s.write("specs/fixture.yaml", fixture(t, "breaking.yaml"))
	s.changelog("2.0.0", "1.0.0")
	s.commit("break on main")
	s.write("README", "y\n")
	s.commit("unrelated")
	// The breaking commit is no longer HEAD but still the last change of the spec: still caught.
	if r, out, err = s.run(""); err == nil || len(r.Breaking) == 0 || !strings.Contains(out, "last commit that changed the spec") {
		t.Fatalf("breaking change on main: want failure, got %v", err)
	}
	// An explicit base (SPECGATE_BASE) wins.
	if r, _, err = s.run("HEAD"); err != nil || len(r.Breaking) != 0 {
		t.Fatalf("base HEAD: want pass, got %v", err)
	}
	// A release tag becomes the base once it exists.
	s.git("tag", "v1.0.0", "HEAD")
	if r, out, err = s.run(""); err != nil || !strings.Contains(out, "v1.0.0 (the last release tag)") {
		t.Fatalf("release tag: %v %v", err, r.Base)
	}

	// A shallow clone of main: the gate fetches the history and finds the same base.
	s.git("tag", "-d", "v1.0.0")
	clone := t.TempDir()
	s.git("clone", "-q", "--depth", "1", "file://"+s.dir, clone)
	var buf bytes.Buffer
	rs, err := Run(Config{Dir: filepath.Join(clone, "specs"), Specs: []string{"fixture"}}, &buf)
	t.Log("\n" + buf.String())
	if err == nil || len(rs[0].Breaking) == 0 {
		t.Fatalf("shallow clone: want the breaking change found, got %v", err)
	}
	// A shallow clone that cannot fetch fails instead of passing silently.
	clone2 := t.TempDir()
	s.git("clone", "-q", "--depth", "1", "file://"+s.dir, clone2)
	repo := &Repo{Dir: clone2, Fetch: func() error { return errors.New("offline") }}
	rs, err = Run(Config{Dir: filepath.Join(clone2, "specs"), Specs: []string{"fixture"}, Repo: repo}, &buf)
	if err == nil || len(rs[0].Errors) == 0 || !strings.Contains(rs[0].Errors[0].Error(), "shallow") {
		t.Fatalf("shallow clone without fetch: want an error, got %v", err)
	}
}

func TestNoMergeBase(t *testing.T) {
	s := newScratch(t)
	s.write("specs/fixture.yaml", fixture(t, "base.yaml"))
	s.commit("main")
	s.git("checkout", "-q", "--orphan", "other")
	s.write("specs/fixture.yaml", fixture(t, "breaking.yaml"))
	s.changelog("2.0.0")
	s.commit("unrelated history")
	r, out, err := s.run("")
	if err != nil || r.Base.Spec != nil || !strings.Contains(out, "no merge base") {
		t.Fatalf("no merge base: want pass with nothing compared, got %v", err)
	}
}

// The real specs (as in the work tree) pass the gate: against themselves, and
// as the first commit of a repository (the CHANGELOG has their versions, the
// allow-list parses). The gate on this repository's history runs in make lint.
func TestGateOnRealSpecs(t *testing.T) {
	s := newScratch(t)
	for _, f := range []string{"tight.yaml", "chargeover.yaml", "meteroid.yaml", "CHANGELOG.md", "breaking-changes.yaml"} {
		s.write("specs/"+f, string(readFile(t, filepath.Join("..", "..", "specs", f))))
	}
	s.commit("specs")
	for _, base := range []string{"", "HEAD"} {
		var out bytes.Buffer
		_, err := Run(Config{Dir: filepath.Join(s.dir, "specs"), Specs: realSpecs, Base: base}, &out)
		t.Log("\n" + out.String())
		if err != nil {
			t.Fatalf("base %q: %v", base, err)
		}
	}
}

// withVersion sets a fixture's info.version.
func withVersion(t *testing.T, spec, version string) string {
	t.Helper()
	v, err := InfoVersion([]byte(spec))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Replace(spec, "version: "+v, "version: "+version, 1)
}

// A breaking change needs a major version bump even when the allow-list
// names it: the allow-list gives the reason, the major version tells
// consumers. An unlisted breaking change still fails at a major bump.
func TestGateBreakingNeedsMajor(t *testing.T) {
	s := newScratch(t)
	s.write("specs/fixture.yaml", withVersion(t, fixture(t, "base.yaml"), "2.1.0"))
	s.changelog("2.1.0")
	s.commit("first")
	s.git("checkout", "-q", "-b", "feature")

	allow := func(version string) {
		s.write("specs/breaking-changes.yaml", `allowed:
  - spec: fixture
    version: `+version+`
    id: new-required-request-property
    operation: POST /v1/customers
    reason: every caller already sends currency
`)
	}
	breakAt := func(version string) {
		s.write("specs/fixture.yaml", withVersion(t, fixture(t, "required-request.yaml"), version))
		s.changelog(version, "2.1.0")
		allow(version)
	}

	// Allow-listed, at a minor (or patch) bump: fails, naming the major it needs.
	for _, v := range []string{"2.2.0", "2.1.1", "2.2.0-rc.1"} {
		breakAt(v)
		r, out, err := s.run("")
		if err == nil || !r.Failed() {
			t.Fatalf("allow-listed breaking change at %s: want failure, got pass", v)
		}
		if len(r.Breaking) != 0 || !hasChange(r.Allowed, "new-required-request-property", "POST /v1/customers") {
			t.Errorf("%s: the change must be allow-listed (and fail for the version alone): breaking %v, allowed %v", v, ids(r.Breaking), ids(r.Allowed))
		}
		for _, want := range []string{"needs a major version bump", "2.1.0 at the base and " + v + " now", "3.0.0 or later", "does not replace the bump"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s: the report lacks %q", v, want)
			}
		}
	}

	// Allow-listed at a major bump (a pre-release of it too): passes.
	for _, v := range []string{"3.0.0", "3.0.0-rc.1", "4.0.0"} {
		breakAt(v)
		if r, _, err := s.run(""); err != nil || len(r.Allowed) != 1 {
			t.Fatalf("allow-listed breaking change at %s: want pass, got %v (allowed %v)", v, err, ids(r.Allowed))
		}
	}

	// Not allow-listed at a major bump: still fails, on the allow-list alone.
	breakAt("3.0.0")
	s.write("specs/breaking-changes.yaml", "allowed: []\n")
	r, out, err := s.run("")
	if err == nil || !hasChange(r.Breaking, "new-required-request-property", "POST /v1/customers") {
		t.Fatalf("unlisted breaking change at a major bump: want failure, got %v", err)
	}
	if len(r.Errors) != 0 || !strings.Contains(out, "version: 3.0.0, the id above") {
		t.Errorf("want only the allow-list failure, got errors %v", r.Errors)
	}

	// Not allow-listed and no major bump: fails twice over, and the hint
	// asks for both.
	breakAt("2.2.0")
	s.write("specs/breaking-changes.yaml", "allowed: []\n")
	r, out, err = s.run("")
	if err == nil || len(r.Breaking) != 1 || len(r.Errors) != 1 || !strings.Contains(out, "bump info.version to a new major (3.0.0 or later") {
		t.Fatalf("unlisted breaking change at a minor bump: want both failures, got %v, breaking %v, errors %v", err, ids(r.Breaking), r.Errors)
	}

	// A compatible change needs no major version.
	s.write("specs/fixture.yaml", withVersion(t, fixture(t, "compatible.yaml"), "2.2.0"))
	s.changelog("2.2.0", "2.1.0")
	if r, _, err = s.run(""); err != nil || len(r.Breaking)+len(r.Allowed) != 0 {
		t.Fatalf("compatible change at a minor bump: want pass, got %v", err)
	}
}

// A base without a readable info.version cannot show a major bump: a
// breaking change against it fails rather than pass unchecked.
func TestGateBreakingAgainstUnversionedBase(t *testing.T) {
	s := newScratch(t)
	s.write("specs/fixture.yaml", strings.Replace(fixture(t, "base.yaml"), "version: 1.0.0", "version: '1.0'", 1))
	s.commit("first")
	s.write("specs/fixture.yaml", withVersion(t, fixture(t, "required-request.yaml"), "2.0.0"))
	s.changelog("2.0.0")
	s.write("specs/breaking-changes.yaml", "allowed:\n  - {spec: fixture, version: 2.0.0, id: new-required-request-property, reason: test}\n")
	r, out, err := s.run("")
	if err == nil || len(r.Allowed) != 1 || !strings.Contains(out, "cannot be checked against a base without a readable info.version") {
		t.Fatalf("want failure for the unverifiable bump, got %v", err)
	}
}

// TestGateOnMainJudgesAMergedBranchAsOne: a branch that changes the spec in
// two commits under one version bump, merged into main, is one change of
// main, judged against main before the merge. Without first parents the
// branch's second commit (same version as its first) failed main.
func TestGateOnMainJudgesAMergedBranchAsOne(t *testing.T) {
	s := newScratch(t)
	s.write("specs/fixture.yaml", fixture(t, "base.yaml"))
	s.changelog("1.0.0")
	s.commit("add the spec")
	s.git("checkout", "-q", "-b", "feature")
	step := func(title string) string {
		return strings.NewReplacer("title: Fixture API", "title: "+title, "version: 1.0.0", "version: 1.1.0").Replace(fixture(t, "base.yaml"))
	}
	s.write("specs/fixture.yaml", step("Fixture API (one)"))
	s.changelog("1.1.0", "1.0.0")
	s.commit("feature: first step, bumped")
	s.write("specs/fixture.yaml", step("Fixture API (two)"))
	s.commit("feature: second step, same version")
	s.git("checkout", "-q", "-")
	s.write("README", "main moved on\n")
	s.commit("main: unrelated")
	s.git("merge", "-q", "--no-ff", "--no-edit", "feature")
	if _, out, err := s.run(""); err != nil || !strings.Contains(out, "last commit that changed the spec") {
		t.Fatalf("merged branch on main: want pass, got %v\n%s", err, out)
	}
	// A commit on main that changes the spec without a bump still fails.
	s.write("specs/fixture.yaml", step("Fixture API (three)"))
	s.commit("main: edit without a bump")
	if _, _, err := s.run(""); err == nil {
		t.Fatal("an edit on main without a bump: want failure")
	}
}
