package specgate

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/mod/semver"
	"gopkg.in/yaml.v3"
)

// Allowed is one entry of the allow-list (specs/breaking-changes.yaml): a
// breaking change made on purpose, with the reason. It documents the change;
// the gate still requires the major version bump every breaking change needs.
type Allowed struct {
	Spec      string `yaml:"spec"`      // tight, chargeover, meteroid
	Version   string `yaml:"version"`   // the spec's info.version that makes the change
	ID        string `yaml:"id"`        // oasdiff rule id
	Operation string `yaml:"operation"` // optional: "METHOD /path"
	Text      string `yaml:"text"`      // optional: a substring of oasdiff's message
	Reason    string `yaml:"reason"`    // required
}

// Allowlist is the parsed allow-list file.
type Allowlist struct {
	// Allowed are the entries, in file order.
	Allowed []Allowed `yaml:"allowed"`
}

// LoadAllowlist reads and validates the allow-list; a missing file is an empty list.
func LoadAllowlist(path string) (*Allowlist, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return &Allowlist{}, nil
	}
	if err != nil {
		return nil, err
	}
	return ParseAllowlist(data)
}

// ParseAllowlist parses and validates allow-list YAML. Unknown keys are errors,
// so that a misspelt key cannot widen an entry.
func ParseAllowlist(data []byte) (*Allowlist, error) {
	var a Allowlist
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&a); err != nil && err.Error() != "EOF" {
		return nil, fmt.Errorf("allow-list: %w", err)
	}
	for i, e := range a.Allowed {
		var missing []string
		for k, v := range map[string]string{"spec": e.Spec, "version": e.Version, "id": e.ID, "reason": e.Reason} {
			if strings.TrimSpace(v) == "" {
				missing = append(missing, k)
			}
		}
		if len(missing) > 0 {
			return nil, fmt.Errorf("allow-list entry %d (%s %s): missing %s", i+1, e.Spec, e.ID, strings.Join(missing, ", "))
		}
		if !ValidVersion(e.Version) {
			return nil, fmt.Errorf("allow-list entry %d: version %q is not a semantic version", i+1, e.Version)
		}
	}
	return &a, nil
}

// Match returns the entry that allows change c of spec at version, or nil.
func (a *Allowlist) Match(spec, version string, c Change) *Allowed {
	if a == nil {
		return nil
	}
	for i := range a.Allowed {
		e := &a.Allowed[i]
		if e.Spec != spec || e.ID != c.ID || semver.Compare("v"+e.Version, "v"+version) != 0 {
			continue
		}
		if e.Operation != "" && !strings.EqualFold(e.Operation, c.Operation) {
			continue
		}
		if e.Text != "" && !strings.Contains(c.Text, e.Text) {
			continue
		}
		return e
	}
	return nil
}
