package specs_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// scratchSpec has one operation with a request body and 2xx, 4xx and 5xx
// responses, all with examples.
const scratchSpec = `
openapi: 3.0.3
info: {title: scratch, version: 1.0.0}
paths:
  /scratch:
    post:
      operationId: scratchOp
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: object}
            example: {name: a}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {type: object}
              example: {id: 1}
        '404':
          description: gone
        '503':
          description: busy
        default:
          description: anything else
`

func loadScratch(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData([]byte(scratchSpec))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// completeScratch is evidence that holds every piece of scratchOp's recipe.
func completeScratch() opEvidence {
	return opEvidence{
		driftStatuses: map[string][]int{"scratchOp": {200, 404, 503}},
		replay:        map[string]bool{"scratchOp": true},
		typescript:    `export const x: Handlers<operations["scratchOp"]> = {};`,
		fakeServed:    map[string]bool{"scratchOp": true},
		facade:        `return c.API.ScratchOp(ctx, body)`,
		cliVerb:       func(op string) (string, bool) { return "push scratch things", op == "scratchOp" },
	}
}

// TestCompletenessChecker feeds the checker a scratch operation lacking each
// piece of the recipe in turn and expects exactly that piece named.
func TestCompletenessChecker(t *testing.T) {
	if got := missingPieces(loadScratch(t), completeScratch()); len(got) != 0 {
		t.Fatalf("a complete operation: missing %v, want nothing", got)
	}
	scratchOp := func(doc *openapi3.T) *openapi3.Operation { return doc.Paths.Value("/scratch").Post }
	cases := []struct {
		name string
		doc  func(*openapi3.T)
		ev   func(*opEvidence)
		want []string
	}{
		{name: "request example", doc: func(d *openapi3.T) {
			scratchOp(d).RequestBody.Value.Content.Get("application/json").Example = nil
		}, want: []string{missRequestExample + "application/json"}},
		{name: "response example", doc: func(d *openapi3.T) {
			scratchOp(d).Responses.Value("200").Value.Content.Get("application/json").Example = nil
		}, want: []string{missResponseExample + "200 application/json"}},
		{name: "drift 2xx", ev: func(e *opEvidence) { e.driftStatuses["scratchOp"] = []int{404, 503} },
			want: []string{missDrift + "2xx"}},
		{name: "drift 4xx", ev: func(e *opEvidence) { e.driftStatuses["scratchOp"] = []int{200, 503} },
			want: []string{missDrift + "4xx"}},
		{name: "drift 5xx", ev: func(e *opEvidence) { e.driftStatuses["scratchOp"] = []int{200, 404} },
			want: []string{missDrift + "5xx"}},
		{name: "no drift at all", ev: func(e *opEvidence) { delete(e.driftStatuses, "scratchOp") },
			want: []string{missDrift + "2xx", missDrift + "4xx", missDrift + "5xx"}},
		{name: "an answer of an undeclared status (default) counts for its class", ev: func(e *opEvidence) {
			e.driftStatuses["scratchOp"] = []int{200, 418, 500}
		}, want: nil},
		{name: "replay", ev: func(e *opEvidence) { e.replay = map[string]bool{} },
			want: []string{missReplay}},
		{name: "replay and so the fake", ev: func(e *opEvidence) { e.replay = map[string]bool{}; e.fakeServed = nil },
			want: []string{missReplay, missFakeUnchecked}},
		{name: "typescript", ev: func(e *opEvidence) { e.typescript = `operations["otherOp"]` },
			want: []string{missTypeScript}},
		{name: "fake", ev: func(e *opEvidence) { e.fakeServed = map[string]bool{"otherOp": true} },
			want: []string{missFake}},
		{name: "facade", ev: func(e *opEvidence) { e.facade = `c.API.ScratchOpOther(ctx)` },
			want: []string{missFacade}},
		{name: "facade through WithBody", ev: func(e *opEvidence) { e.facade = `c.API.ScratchOpWithBody(ctx, ct, r)` },
			want: nil},
		{name: "cli", ev: func(e *opEvidence) { e.cliVerb = func(string) (string, bool) { return "", false } },
			want: []string{missCLI}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc := loadScratch(t)
			ev := completeScratch()
			if c.doc != nil {
				c.doc(doc)
			}
			if c.ev != nil {
				c.ev(&ev)
			}
			got := missingPieces(doc, ev)["scratchOp"]
			if !slices.Equal(got, c.want) {
				t.Errorf("missing %q, want %q", got, c.want)
			}
		})
	}
	// A 4xx class counts only when declared: drop 404 and no 4xx answer is
	// asked for.
	t.Run("undeclared class", func(t *testing.T) {
		doc := loadScratch(t)
		scratchOp(doc).Responses.Delete("404")
		ev := completeScratch()
		ev.driftStatuses["scratchOp"] = []int{200, 503}
		if got := missingPieces(doc, ev); len(got) != 0 {
			t.Errorf("missing %v, want nothing", got)
		}
	})
}

// TestCompletenessExemptions checks how failures are worded and that stale
// exemptions are reported.
func TestCompletenessExemptions(t *testing.T) {
	missing := map[string][]string{"deleteCustomer": {missDrift + "4xx", missTypeScript, missCLI}}
	failures, stale := applyExemptions("chargeover", missing, map[string]map[string]string{
		"deleteCustomer": {missCLI: "no verb yet"},
		"gone":           {missFacade: "an operation removed since"},
	})
	want := "chargeover deleteCustomer: no drift answer for 4xx; no TypeScript call"
	if len(failures) != 1 || failures[0] != want {
		t.Errorf("failures %q, want [%q]", failures, want)
	}
	if len(stale) != 1 || !strings.Contains(stale[0], "chargeover gone") {
		t.Errorf("stale %q, want the exemption of gone", stale)
	}
	failures, stale = applyExemptions("chargeover", missing, map[string]map[string]string{
		"deleteCustomer": {missDrift + "4xx": "r", missTypeScript: "r", missCLI: "r"},
	})
	if len(failures) != 0 || len(stale) != 0 {
		t.Errorf("all exempted: failures %q, stale %q", failures, stale)
	}
}
