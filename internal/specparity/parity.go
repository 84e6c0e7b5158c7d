// Package specparity compares the operations of one of our specs with the
// vendor's own OpenAPI file (Meteroid publishes one): for every operation
// we carry, by method and path, the query parameters, the request body's
// property names and the 2xx responses' property names, each side's
// schemas followed through $ref, allOf, anyOf and oneOf. A difference is a
// finding unless the allow-list names it with a reason: a deliberate
// difference (a field we document that upstream lacks) or a known gap with
// the issue that closes it. Both files are read as plain JSON/YAML trees,
// so the vendor's OpenAPI 3.1 needs no 3.1-aware loader.
package specparity

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Finding is one difference between our operation and the vendor's.
type Finding struct {
	// Operation is "METHOD /path"; Part is "query", "request" or
	// "response <status>"; Name the parameter or property; Side "ours"
	// (only we have it) or "theirs" (only the vendor has it).
	Operation, Part, Name, Side string
}

func (f Finding) String() string {
	return fmt.Sprintf("%s %s %s: only in %s", f.Operation, f.Part, f.Name, f.Side)
}

// Allowed is an allow-list entry: the finding it accepts and why.
type Allowed struct {
	Operation string `yaml:"operation"`
	Part      string `yaml:"part"`
	Name      string `yaml:"name"`
	Side      string `yaml:"side"`
	Reason    string `yaml:"reason"`
}

func (a Allowed) matches(f Finding) bool {
	return a.Operation == f.Operation && a.Part == f.Part && a.Name == f.Name && a.Side == f.Side
}

// Load reads a spec (YAML or JSON) as a tree.
func Load(path string) (map[string]any, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	if strings.HasSuffix(path, ".json") {
		err = json.Unmarshal(raw, &doc)
	} else {
		err = yaml.Unmarshal(raw, &doc)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return doc, nil
}

// LoadAllowed reads an allow-list; every entry needs a reason.
func LoadAllowed(path string) ([]Allowed, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var list []Allowed
	if err := yaml.Unmarshal(raw, &list); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for i, a := range list {
		if strings.TrimSpace(a.Reason) == "" {
			return nil, fmt.Errorf("%s: entry %d (%s %s %s) has no reason", path, i+1, a.Operation, a.Part, a.Name)
		}
	}
	return list, nil
}

// Compare lists the differences of every operation of ours with the
// vendor's operation of the same method and path (an operation the vendor
// lacks is itself a finding), and the allow-list entries that matched
// nothing (stale).
func Compare(ours, theirs map[string]any, allowed []Allowed) (findings []Finding, stale []Allowed) {
	var all []Finding
	for path, item := range asMap(ours["paths"]) {
		for method, op := range asMap(item) {
			if !isMethod(method) {
				continue
			}
			name := strings.ToUpper(method) + " " + path
			vendorOp := asMap(asMap(asMap(theirs["paths"])[path])[method])
			if vendorOp == nil {
				all = append(all, Finding{name, "operation", name, "ours"})
				continue
			}
			ourOp := asMap(op)
			all = append(all, diff(name, "query", queryNames(ours, item, ourOp), queryNames(theirs, asMap(theirs["paths"])[path], vendorOp))...)
			all = append(all, diff(name, "request", bodyNames(ours, ourOp["requestBody"]), bodyNames(theirs, vendorOp["requestBody"]))...)
			for status, resp := range asMap(ourOp["responses"]) {
				if !strings.HasPrefix(status, "2") {
					continue
				}
				theirResp := asMap(vendorOp["responses"])[status]
				if theirResp == nil {
					all = append(all, Finding{name, "response " + status, status, "ours"})
					continue
				}
				all = append(all, diff(name, "response "+status, bodyNames(ours, resp), bodyNames(theirs, theirResp))...)
			}
		}
	}
	used := make([]bool, len(allowed))
	for _, f := range all {
		i := slices.IndexFunc(allowed, func(a Allowed) bool { return a.matches(f) })
		if i < 0 {
			findings = append(findings, f)
			continue
		}
		used[i] = true
	}
	for i, a := range allowed {
		if !used[i] {
			stale = append(stale, a)
		}
	}
	sortFindings(findings)
	return findings, stale
}

type tree map[string]any

func asMap(v any) tree {
	m, _ := v.(map[string]any)
	return m
}

func isMethod(m string) bool {
	return slices.Contains([]string{"get", "post", "put", "patch", "delete"}, m)
}

func diff(op, part string, ours, theirs map[string]bool) []Finding {
	var out []Finding
	for n := range ours {
		if !theirs[n] {
			out = append(out, Finding{op, part, n, "ours"})
		}
	}
	for n := range theirs {
		if !ours[n] {
			out = append(out, Finding{op, part, n, "theirs"})
		}
	}
	return out
}

// queryNames are the names of an operation's query parameters (path-level
// ones included).
func queryNames(doc map[string]any, pathItem any, op tree) map[string]bool {
	out := map[string]bool{}
	var params []any
	params = append(params, asSlice(asMap(pathItem)["parameters"])...)
	params = append(params, asSlice(op["parameters"])...)
	for _, p := range params {
		pm := resolve(doc, p)
		if pm["in"] == "query" {
			if n, ok := pm["name"].(string); ok {
				out[n] = true
			}
		}
	}
	return out
}

// bodyNames are the property names of a request body's or response's JSON
// schema.
func bodyNames(doc map[string]any, body any) map[string]bool {
	out := map[string]bool{}
	b := resolve(doc, body)
	for ct, media := range asMap(b["content"]) {
		if strings.Contains(ct, "json") {
			props(doc, asMap(media)["schema"], out, 0)
		}
	}
	return out
}

func props(doc map[string]any, schema any, out map[string]bool, depth int) {
	if depth > 16 {
		return
	}
	s := resolve(doc, schema)
	for n := range asMap(s["properties"]) {
		out[n] = true
	}
	for _, k := range []string{"allOf", "anyOf", "oneOf"} {
		for _, sub := range asSlice(s[k]) {
			props(doc, sub, out, depth+1)
		}
	}
}

// resolve follows local $refs.
func resolve(doc map[string]any, v any) tree {
	m := asMap(v)
	for i := 0; i < 16 && m != nil; i++ {
		ref, ok := m["$ref"].(string)
		if !ok {
			return m
		}
		cur := any(doc)
		for part := range strings.SplitSeq(strings.TrimPrefix(ref, "#/"), "/") {
			cur = asMap(cur)[strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")]
		}
		m = asMap(cur)
	}
	return m
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}

func sortFindings(fs []Finding) {
	slices.SortFunc(fs, func(a, b Finding) int {
		return strings.Compare(a.Operation+a.Part+a.Name+a.Side, b.Operation+b.Part+b.Name+b.Side)
	})
}
