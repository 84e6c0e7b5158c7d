package specgate

import (
	"bufio"
	"bytes"
	"fmt"
	"regexp"
	"strings"

	"golang.org/x/mod/semver"
	"gopkg.in/yaml.v3"
)

var semverRE = regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$`)

// ValidVersion reports whether v is a semantic version without a "v" prefix (1.2.3).
func ValidVersion(v string) bool { return semverRE.MatchString(v) }

// InfoVersion returns the spec's info.version.
func InfoVersion(spec []byte) (string, error) {
	var doc struct {
		Info struct {
			Version string `yaml:"version"`
		} `yaml:"info"`
	}
	if err := yaml.Unmarshal(spec, &doc); err != nil {
		return "", err
	}
	if !ValidVersion(doc.Info.Version) {
		return "", fmt.Errorf("info.version %q is not a semantic version (MAJOR.MINOR.PATCH)", doc.Info.Version)
	}
	return doc.Info.Version, nil
}

// CheckBump fails when the spec changed (its bytes differ from the base) and
// its version is not greater than the base version.
func CheckBump(baseVersion, version string, changed bool) error {
	c := semver.Compare("v"+version, "v"+baseVersion)
	switch {
	case c < 0:
		return fmt.Errorf("info.version went down: %s at the base, %s now", baseVersion, version)
	case changed && c == 0:
		return fmt.Errorf("the spec changed but info.version is still %s: bump it (patch: docs/examples, minor: additions, major: breaking) and add a CHANGELOG entry", version)
	}
	return nil
}

// MajorBumped reports whether version has a greater major than baseVersion.
func MajorBumped(baseVersion, version string) bool {
	return semver.Compare(semver.Major("v"+version), semver.Major("v"+baseVersion)) > 0
}

// Changelog maps a provider section (lower-case first word of a "## "
// heading) to the versions that have a "### " entry with text under it.
type Changelog map[string]map[string]bool

var versionHeadRE = regexp.MustCompile(`^\[?v?([0-9][0-9A-Za-z.+-]*?)\]?(\s|$)`)

// ParseChangelog reads specs/CHANGELOG.md: "## <provider> ..." sections with
// "### <version> ..." entries; an entry counts when it has a non-blank line.
func ParseChangelog(md []byte) Changelog {
	cl := Changelog{}
	var provider, version string
	sc := bufio.NewScanner(bytes.NewReader(md))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "## "):
			f := strings.Fields(strings.ToLower(line[3:]))
			provider, version = "", ""
			if len(f) > 0 {
				provider = strings.Trim(f[0], "`*_:")
			}
		case strings.HasPrefix(line, "### ") && provider != "":
			version = ""
			if m := versionHeadRE.FindStringSubmatch(strings.TrimSpace(line[4:])); m != nil && ValidVersion(m[1]) {
				version = m[1]
				if cl[provider] == nil {
					cl[provider] = map[string]bool{}
				}
				cl[provider][version] = cl[provider][version] || false
			}
		case strings.HasPrefix(line, "#"):
			version = ""
		case version != "" && strings.TrimSpace(line) != "":
			cl[provider][version] = true
		}
	}
	return cl
}

// Check fails unless the changelog has a non-empty entry for spec at version.
func (cl Changelog) Check(spec, version string) error {
	if !cl[spec][version] {
		return fmt.Errorf("specs/CHANGELOG.md has no entry for %s %s: add a \"### %s\" heading with the changes under \"## %s\"", spec, version, version, spec)
	}
	return nil
}
