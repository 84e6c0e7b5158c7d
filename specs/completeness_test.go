package specs_test

// The completeness test: "one recipe for an operation" (design.md), checked
// against the specs themselves. It walks every operation of every spec and
// names, per operationId, each piece of the recipe that is missing: spec
// examples, drift answers per declared status class, the replay request
// (drift corpus and Prism), the TypeScript proof, the fake, the facade
// method and the CLI verb. A piece may be missing only where
// completenessExemptions (completeness_exemptions_test.go) says why.

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/billbridge/billbridge/pkg/chargeover/chargeovertest"
	"github.com/billbridge/billbridge/pkg/fake"
	"github.com/billbridge/billbridge/pkg/meteroid/meteroidtest"
	"github.com/billbridge/billbridge/pkg/tight/tighttest"
)

var providers = []string{"tight", "chargeover", "meteroid"}

// The pieces the checker names; each message is also the key of an
// exemption. Examples and drift answers name their media type, status or
// status class after these prefixes.
const (
	missRequestExample  = "no request body example for " // + media type
	missResponseExample = "no response example for "     // + "200 application/json"
	missDrift           = "no drift answer for "         // + "2xx", "4xx", "5xx"
	missReplay          = "no replay request (testdata/replay/<provider>/<op>.json, used by the drift test, Prism and the fake check)"
	missTypeScript      = "no TypeScript call"
	missFake            = "the fake does not serve it"
	missFakeUnchecked   = "the fake is not checked (no replay request to send it)"
	missFacade          = "no facade method (no c.API.<Operation> call in pkg/<provider>)"
	missCLI             = "no CLI verb"
)

// opEvidence is what the repository holds for the operations of one
// provider, gathered by gatherEvidence (or written by hand in the checker's
// own test).
type opEvidence struct {
	// driftStatuses: the statuses of the drift answers of each operation.
	driftStatuses map[string][]int
	// replay: the operations with a replay request.
	replay map[string]bool
	// typescript: the source of specs/typescript/<provider>.ts.
	typescript string
	// fakeServed: the operations the fake answered, through its handler,
	// with a status the operation declares.
	fakeServed map[string]bool
	// facade: the non-test Go source of pkg/<provider>.
	facade string
	// cliVerb: the CLI command that runs an operation.
	cliVerb func(operation string) (string, bool)
}

// missingPieces walks every operation of doc and returns, per operationId
// (sorted within), the pieces ev lacks. Operations with nothing missing are
// absent from the map.
func missingPieces(doc *openapi3.T, ev opEvidence) map[string][]string {
	out := map[string][]string{}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			id := op.OperationID
			var miss []string

			// Examples: the request body's, and every 2xx body's.
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				for _, ct := range sortedKeys(op.RequestBody.Value.Content) {
					if !hasExample(op.RequestBody.Value.Content[ct]) {
						miss = append(miss, missRequestExample+ct)
					}
				}
			}
			for _, status := range sortedKeys(op.Responses.Map()) {
				r := op.Responses.Value(status)
				if !strings.HasPrefix(status, "2") || r == nil || r.Value == nil {
					continue
				}
				for _, ct := range sortedKeys(r.Value.Content) {
					if !hasExample(r.Value.Content[ct]) {
						miss = append(miss, missResponseExample+status+" "+ct)
					}
				}
			}

			// Drift answers: one per status class the operation declares.
			have := map[byte]bool{}
			for _, s := range ev.driftStatuses[id] {
				have[strconv.Itoa(s)[0]] = true
			}
			for _, class := range declaredClasses(op) {
				if !have[class] {
					miss = append(miss, missDrift+string(class)+"xx")
				}
			}

			if !ev.replay[id] {
				miss = append(miss, missReplay)
			}
			if !strings.Contains(ev.typescript, `operations["`+id+`"]`) {
				miss = append(miss, missTypeScript)
			}
			switch {
			case ev.fakeServed[id]:
			case !ev.replay[id]:
				miss = append(miss, missFakeUnchecked)
			default:
				miss = append(miss, missFake)
			}
			if !facadeCalls(ev.facade, id) {
				miss = append(miss, missFacade)
			}
			if ev.cliVerb == nil {
				miss = append(miss, missCLI)
			} else if _, ok := ev.cliVerb(id); !ok {
				miss = append(miss, missCLI)
			}
			if len(miss) > 0 {
				out[id] = miss
			}
		}
	}
	return out
}

func sortedKeys[M ~map[string]V, V any](m M) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// hasExample reports whether a body carries an example: on the media type
// (example or examples) or on its schema.
func hasExample(mt *openapi3.MediaType) bool {
	if mt == nil {
		return false
	}
	if mt.Example != nil || len(mt.Examples) > 0 {
		return true
	}
	return mt.Schema != nil && mt.Schema.Value != nil && mt.Schema.Value.Example != nil
}

// declaredClasses returns the status classes ('2', '4', '5') of the
// operation's declared statuses ("default" declares none: it stands for
// whatever the operation does not list).
func declaredClasses(op *openapi3.Operation) []byte {
	var classes []byte
	for status := range op.Responses.Map() {
		if status == "default" || status == "" {
			continue
		}
		c := status[0]
		if (c == '2' || c == '4' || c == '5') && !slices.Contains(classes, c) {
			classes = append(classes, c)
		}
	}
	slices.Sort(classes)
	return classes
}

// facadeCalls reports whether the facade's source calls the generated
// client's method for the operation (oapi-codegen's name: the operationId
// with its first letter upper-cased; WithBody... variants included), or
// hands it on as a method value (c.API.ArchiveCustomer as an argument).
func facadeCalls(src, operation string) bool {
	re := regexp.MustCompile(`\.API\.` + regexp.QuoteMeta(goName(operation)) + `(With\w*Body)?[(),]`)
	return re.MatchString(src)
}

// applyExemptions removes the exempted pieces from missing and returns what
// is left as one line per operation ("chargeover deleteCustomer: no drift
// answer for 4xx; no TypeScript call"), and the exemptions that exempt
// nothing (stale: the piece is there, or the operation is gone).
func applyExemptions(provider string, missing map[string][]string, exempt map[string]map[string]string) (failures, stale []string) {
	for _, op := range sortedKeys(exempt) {
		for _, piece := range sortedKeys(exempt[op]) {
			if !slices.Contains(missing[op], piece) {
				stale = append(stale, fmt.Sprintf("%s %s: %q is exempted but not missing", provider, op, piece))
			}
		}
	}
	for _, op := range sortedKeys(missing) {
		var left []string
		for _, piece := range missing[op] {
			if _, ok := exempt[op][piece]; !ok {
				left = append(left, piece)
			}
		}
		if len(left) > 0 {
			failures = append(failures, fmt.Sprintf("%s %s: %s", provider, op, strings.Join(left, "; ")))
		}
	}
	return failures, stale
}

// TestCompleteness checks the recipe for every operation of every spec.
func TestCompleteness(t *testing.T) {
	for _, provider := range providers {
		t.Run(provider, func(t *testing.T) {
			doc := loadSpec(t, provider)
			ev := gatherEvidence(t, provider, doc)
			missing := missingPieces(doc, ev)
			failures, stale := applyExemptions(provider, missing, completenessExemptions[provider])
			for _, f := range failures {
				t.Error(f)
			}
			for _, s := range stale {
				t.Errorf("stale exemption (remove it from completenessExemptions): %s", s)
			}
			for _, op := range sortedKeys(completenessExemptions[provider]) {
				for piece, reason := range completenessExemptions[provider][op] {
					if strings.TrimSpace(reason) == "" {
						t.Errorf("exemption %s %s %q has no reason", provider, op, piece)
					}
				}
			}
			// Every drift answer and replay request names an operation of
			// the spec.
			ids := map[string]bool{}
			for _, item := range doc.Paths.Map() {
				for _, op := range item.Operations() {
					ids[op.OperationID] = true
				}
			}
			for op := range ev.driftStatuses {
				if !ids[op] {
					t.Errorf("%s: drift answers for %s, which the spec does not have", provider, op)
				}
			}
			for op := range replayRequests[provider] {
				if !ids[op] {
					t.Errorf("%s: a replay request for %s, which the spec does not have", provider, op)
				}
			}
			for op := range cliVerbs[provider] {
				if !ids[op] {
					t.Errorf("%s: a CLI verb for %s, which the spec does not have", provider, op)
				}
			}
		})
	}
}

// gatherEvidence reads the repository for the pieces of provider's
// operations: the drift corpus, the replay requests, the TypeScript proof,
// the facade's source, the CLI table, and the fake, which it starts and
// sends every replay request to.
func gatherEvidence(t *testing.T, provider string, doc *openapi3.T) opEvidence {
	t.Helper()
	ev := opEvidence{
		driftStatuses: map[string][]int{},
		replay:        map[string]bool{},
		cliVerb:       func(op string) (string, bool) { return cliVerb(provider, op) },
	}
	for _, a := range loadDrift(t, provider) {
		ev.driftStatuses[a.Operation] = append(ev.driftStatuses[a.Operation], a.Status)
	}
	for op := range replayRequests[provider] {
		ev.replay[op] = true
	}
	ts, err := os.ReadFile(filepath.Join("typescript", provider+".ts"))
	if err != nil {
		t.Fatal(err)
	}
	ev.typescript = string(ts)
	ev.facade = facadeSource(t, provider)
	ev.fakeServed = fakeServed(t, provider, doc)
	return ev
}

// facadeSource concatenates the non-test Go files of pkg/<provider>.
func facadeSource(t *testing.T, provider string) string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "pkg", provider, "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no facade source for %s (%v)", provider, err)
	}
	var b strings.Builder
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(src)
	}
	return b.String()
}

// fakeServed starts provider's fake, sends it every replay request with the
// fake's credentials and returns the operations its request log shows
// answered with a status the operation declares, other than 401 and 5xx
// (which the frame, not the provider's handler, may answer). Every answer
// is checked against the spec as well (NewTestServer).
func fakeServed(t *testing.T, provider string, doc *openapi3.T) map[string]bool {
	t.Helper()
	basic := func(u, p string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(u+":"+p)) }
	var (
		url          string
		basicCreds   string
		bearerCreds  string
		requests     func() []fake.Request
		closeFakeNow func()
	)
	switch provider {
	case "tight":
		srv := tighttest.NewTestServer(t)
		url, basicCreds, bearerCreds, requests, closeFakeNow = srv.URL, basic(srv.ClientID, srv.ClientSecret), "Bearer "+srv.Token, srv.Requests, srv.Close
	case "chargeover":
		srv := chargeovertest.NewTestServer(t)
		url, basicCreds, requests, closeFakeNow = srv.URL, basic(srv.Username, srv.Password), srv.Requests, srv.Close
	case "meteroid":
		srv := meteroidtest.NewTestServer(t)
		url, bearerCreds, requests, closeFakeNow = srv.URL, "Bearer "+srv.APIKey, srv.Requests, srv.Close
	default:
		t.Fatalf("no fake for %s", provider)
	}
	client := &http.Client{}
	for _, op := range sortedKeys(replayRequests[provider]) {
		r := replayRequests[provider][op]
		if strings.HasPrefix(r.auth, "Basic ") {
			r.auth = basicCreds
		} else {
			r.auth = bearerCreds
		}
		resp, err := client.Do(r.request(url))
		if err != nil {
			t.Fatalf("%s %s: %v", provider, op, err)
		}
		resp.Body.Close()
	}
	closeFakeNow() // waits for the handlers, so the log is final
	declared := map[string]map[int]bool{}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			declared[op.OperationID] = map[int]bool{}
			for status := range op.Responses.Map() {
				if n, err := strconv.Atoi(status); err == nil {
					declared[op.OperationID][n] = true
				}
			}
		}
	}
	served := map[string]bool{}
	for _, r := range requests() {
		if r.Fault == "" && r.Status != http.StatusUnauthorized && r.Status < 500 && declared[r.Operation][r.Status] {
			served[r.Operation] = true
		}
	}
	return served
}
