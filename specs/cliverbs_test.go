package specs_test

import (
	_ "embed"
	"encoding/json"
)

// cliVerb returns the CLI command that runs an operation, from
// cliverbs.json: the table of cmd/billbridge's registry (registry_*.go),
// by provider and operationId. The CLI is package main, which this package
// cannot import, so the table is data both read: TestRegistryMatchesSpecsTable
// in cmd/billbridge keeps it equal to the registry's verbs.
func cliVerb(provider, operation string) (string, bool) {
	v, ok := cliVerbs[provider][operation]
	return v, ok
}

//go:embed cliverbs.json
var cliVerbsJSON []byte

// cliVerbs is cliverbs.json: by provider, the command ("verb provider
// resource") of each operation the CLI runs.
var cliVerbs = func() map[string]map[string]string {
	var m map[string]map[string]string
	if err := json.Unmarshal(cliVerbsJSON, &m); err != nil {
		panic("specs/cliverbs.json: " + err.Error())
	}
	return m
}()
