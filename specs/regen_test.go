package specs_test

// TestRegenerateWithNewField adds an optional field to every customer schema
// (create, update, read) of every provider on a scratch copy of the module,
// regenerates gen/ there with the pinned oapi-codegen and the configs in
// specs/*.codegen.yaml, and runs this package's tests in the copy: the field
// checks (fields_test.go), the document examples, the drift corpus and the
// completeness test must all still pass, since a spec's minor version may
// add an optional field. Then the fakes' tests run there too, their
// every-field round trips included: the new field must come back from each
// fake with no edit but the spec.
//
// It copies the module, generates six files and builds the test binary in
// the copy (about a minute with a warm module cache), so it runs only when
// BILLBRIDGE_REGEN=1, as `BILLBRIDGE_REGEN=1 go test ./specs -run
// TestRegenerateWithNewField` does.

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

const probeField = "billbridge_probe"

func TestRegenerateWithNewField(t *testing.T) {
	if os.Getenv("BILLBRIDGE_REGEN") == "" {
		t.Skip("BILLBRIDGE_REGEN is not set: this test copies the module, regenerates gen/ and runs go test there")
	}
	root := filepath.Join(t.TempDir(), "module")
	copyModule(t, "..", root)

	for _, provider := range providers {
		var names []string
		for name := range customerSchemas[provider] {
			names = append(names, name)
		}
		addOptionalField(t, filepath.Join(root, "specs", provider+".yaml"), names)
		configs, err := filepath.Glob(filepath.Join(root, "specs", provider+"*.codegen.yaml"))
		if err != nil || len(configs) == 0 {
			t.Fatalf("no codegen configs for %s (%v)", provider, err)
		}
		for _, cfg := range configs {
			rel, _ := filepath.Rel(root, cfg)
			run(t, root, nil, "go", "run", "github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen",
				"-config", rel, filepath.Join("specs", provider+".yaml"))
		}
		// The regenerated client has the field in every customer type.
		src, err := os.ReadFile(filepath.Join(root, "gen", provider+"api", provider+"api.gen.go"))
		if err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(string(src), `json:"`+probeField+`,omitempty"`); n != len(names) {
			t.Fatalf("%s: the regenerated client has %s in %d types, want %d (%v)", provider, probeField, n, len(names), names)
		}
	}
	// The copy's own tests of this package, the regeneration test aside, and
	// the fakes' tests: their every-field round trips (fields_test.go) fill
	// every field of the regenerated types, the new one included, and check
	// that it comes back from the fake.
	out := run(t, root, []string{"BILLBRIDGE_REGEN="}, "go", "test", "-count=1", "./specs/",
		"./pkg/tight/tighttest/", "./pkg/chargeover/chargeovertest/", "./pkg/meteroid/meteroidtest/")
	t.Logf("go test in the regenerated copy:\n%s", out)
	out = run(t, root, nil, "go", "test", "-count=1", "-v", "-run", "TestEveryField",
		"./pkg/tight/tighttest/", "./pkg/chargeover/chargeovertest/", "./pkg/meteroid/meteroidtest/")
	if n := strings.Count(out, "--- PASS: TestEveryField"); n < len(providers) {
		t.Fatalf("the fakes' every-field round trips ran %d times, want at least %d:\n%s", n, len(providers), out)
	}
}

// copyModule copies the module at src to dst, without .git and node_modules.
func copyModule(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// addOptionalField adds probeField, an optional string, to the properties
// of the named component schemas of the spec at path.
func addOptionalField(t *testing.T, path string, schemas []string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	components := mapValue(doc.Content[0], "components")
	all := mapValue(components, "schemas")
	for _, name := range schemas {
		schema := mapValue(all, name)
		props := mapValue(schema, "properties")
		if props == nil {
			t.Fatalf("%s: schema %s has no properties", path, name)
		}
		var field yaml.Node
		if err := yaml.Unmarshal([]byte("type: string\ndescription: A field added by TestRegenerateWithNewField.\n"), &field); err != nil {
			t.Fatal(err)
		}
		props.Content = append(props.Content,
			&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: probeField}, field.Content[0])
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// mapValue returns the value of key in a YAML mapping node (nil if absent).
func mapValue(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// run runs a command in dir and fails the test with its output if it fails.
func run(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=readonly"), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s in %s: %v\n%s", name, strings.Join(args, " "), dir, err, out)
	}
	return string(out)
}
