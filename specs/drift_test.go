package specs_test

// The drift corpus: answers shaped like the ones real servers send (nulls,
// numbers for decimals, 0/1 and quoted booleans, string ids, unknown enum
// values and fields, "00" countries, text/plain and HTML error pages, headers
// such as Retry-After), one file each in testdata/drift/<provider>/. Every
// answer must validate against its operation with kin-openapi
// (openapi3filter.ValidateResponse, through internal/specguard) and must be
// parsed by the generated client's Parse<Operation>Response; prism_test.go
// replays the same answers through Prism.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/billbridge/billbridge/gen/chargeoverapi"
	"github.com/billbridge/billbridge/gen/meteroidapi"
	"github.com/billbridge/billbridge/gen/tightapi"
	"github.com/billbridge/billbridge/internal/specguard"
)

func init() {
	// Gateway and default answers may be a proxy's HTML page; kin-openapi
	// has no decoder for text/html, and its body is a plain string.
	openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.PlainBodyDecoder)
}

// driftAnswer is one file of the corpus.
type driftAnswer struct {
	About       string            `json:"about"`
	Operation   string            `json:"operation"`
	Status      int               `json:"status"`
	Headers     map[string]string `json:"headers"`
	ContentType string            `json:"contentType"` // default application/json
	Body        json.RawMessage   `json:"body"`        // a JSON body, or
	BodyFile    string            `json:"bodyFile"`    // a JSON body in testdata/, or
	Text        string            `json:"text"`        // a text body, or
	NoBody      bool              `json:"noBody"`      // no body and no Content-Type (204)

	Name string `json:"-"` // the file name without .json
}

// payload returns the answer's content type and body bytes.
func (a driftAnswer) payload(t testing.TB) (string, []byte) {
	t.Helper()
	switch {
	case a.NoBody:
		return "", nil
	case a.Text != "":
		return a.ContentType, []byte(a.Text)
	case a.BodyFile != "":
		b, err := os.ReadFile(filepath.Join("testdata", a.BodyFile))
		if err != nil {
			t.Fatal(err)
		}
		return a.contentType(), b
	case len(a.Body) > 0:
		return a.contentType(), a.Body
	}
	t.Fatalf("%s: no body", a.Name)
	return "", nil
}

func (a driftAnswer) contentType() string {
	if a.ContentType != "" {
		return a.ContentType
	}
	return "application/json"
}

func (a driftAnswer) isJSON() bool { return !a.NoBody && strings.Contains(a.contentType(), "json") }

// write sends the answer on w.
func (a driftAnswer) write(t testing.TB, w http.ResponseWriter) {
	ct, body := a.payload(t)
	for k, v := range a.Headers {
		w.Header().Set(k, v)
	}
	if ct != "" {
		w.Header().Set("Content-Type", ct)
	}
	w.WriteHeader(a.Status)
	_, _ = w.Write(body)
}

// loadDrift reads testdata/drift/<provider>/*.json.
func loadDrift(t testing.TB, provider string) []driftAnswer {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "drift", provider, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no drift corpus for %s (%v)", provider, err)
	}
	sort.Strings(files)
	var out []driftAnswer
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var a driftAnswer
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&a); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		a.Name = strings.TrimSuffix(filepath.Base(f), ".json")
		if a.Operation == "" || a.Status == 0 || a.About == "" {
			t.Fatalf("%s: operation, status and about are required", f)
		}
		out = append(out, a)
	}
	return out
}

// replayRequest is how the tests call one operation: a valid request
// (Prism validates requests too). The generated client's response parser is
// found from the operationId (parseResponse), as oapi-codegen names it.
type replayRequest struct {
	method, path string // path as sent, with the server's base path
	contentType  string
	body         string
	auth         string // Authorization header value
}

func (o replayRequest) request(baseURL string) *http.Request {
	var body io.Reader
	if o.body != "" {
		body = strings.NewReader(o.body)
	}
	r := httptest.NewRequest(o.method, baseURL+o.path, body)
	if baseURL != "" {
		r, _ = http.NewRequest(o.method, baseURL+o.path, body)
	}
	if o.contentType != "" {
		r.Header.Set("Content-Type", o.contentType)
	}
	if o.auth != "" {
		r.Header.Set("Authorization", o.auth)
	}
	return r
}

const (
	basicAuth    = "Basic dGVzdC1jbGllbnQ6dGVzdC1zZWNyZXQ=" // test-client:test-secret
	bearerAuth   = "Bearer drift-token"
	meteroidAuth = "Bearer pv_sand_drift"
)

// replayRequests holds, per provider and operationId, the request the drift
// corpus (TestDriftCorpus), Prism (TestDriftPrism) and the fakes' check
// (TestCompleteness) replay, read from testdata/replay/<provider>/<op>.json
// so that adding an operation adds a fixture and edits no test code.
// TestCompleteness walks the specs and names every operation without one.
var replayRequests = loadReplays()

// replayFile is the shape of testdata/replay/<provider>/<op>.json: body is a
// JSON request body, text any other body (a form), auth names one of the
// test credentials (replayAuth).
type replayFile struct {
	Method      string          `json:"method"`
	Path        string          `json:"path"`
	ContentType string          `json:"contentType,omitempty"`
	Body        json.RawMessage `json:"body,omitempty"`
	Text        string          `json:"text,omitempty"`
	Auth        string          `json:"auth,omitempty"`
}

// replayAuth maps a replay file's auth name to its Authorization header.
var replayAuth = map[string]string{"basic": basicAuth, "bearer": bearerAuth, "meteroid": meteroidAuth}

// loadReplays reads every replay fixture; a malformed one panics, naming
// the file, since no test in the package could run without the table.
func loadReplays() map[string]map[string]replayRequest {
	files, err := filepath.Glob(filepath.Join("testdata", "replay", "*", "*.json"))
	if err != nil || len(files) == 0 {
		panic(fmt.Sprintf("no replay fixtures under testdata/replay (%v)", err))
	}
	out := map[string]map[string]replayRequest{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			panic(err)
		}
		var r replayFile
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&r); err != nil {
			panic(fmt.Sprintf("%s: %v", f, err))
		}
		auth, ok := replayAuth[r.Auth]
		if r.Method == "" || !strings.HasPrefix(r.Path, "/") || (r.Auth != "" && !ok) || (len(r.Body) > 0 && r.Text != "") {
			panic(fmt.Sprintf("%s: needs method, a path from /, at most one of body and text, and auth one of basic, bearer, meteroid", f))
		}
		body := r.Text
		if len(r.Body) > 0 {
			var compact bytes.Buffer
			if err := json.Compact(&compact, r.Body); err != nil {
				panic(fmt.Sprintf("%s: body: %v", f, err))
			}
			body = compact.String()
		}
		provider := filepath.Base(filepath.Dir(f))
		if out[provider] == nil {
			out[provider] = map[string]replayRequest{}
		}
		out[provider][strings.TrimSuffix(filepath.Base(f), ".json")] = replayRequest{
			method: r.Method, path: r.Path, contentType: r.ContentType, body: body, auth: auth}
	}
	return out
}

// goName is the Go name oapi-codegen gives an operationId (all of ours are
// lowerCamelCase): the first letter upper-cased.
func goName(operationID string) string {
	r, n := utf8.DecodeRuneInString(operationID)
	return string(unicode.ToUpper(r)) + operationID[n:]
}

// answerDoer answers every request with one prepared response.
type answerDoer struct{ resp *http.Response }

func (d answerDoer) Do(*http.Request) (*http.Response, error) { return d.resp, nil }

// parseResponse parses resp with the generated client of provider, through
// its <Operation>WithBodyWithResponse (or <Operation>WithResponse, for an
// operation without a body) method: called with zero arguments, it builds a
// request nobody sends and hands resp to Parse<Operation>Response. This
// finds the parser from the operationId instead of a table kept by hand.
func parseResponse(provider, operation string, resp *http.Response) (any, error) {
	doer := answerDoer{resp}
	const server = "http://drift.invalid"
	var (
		client any
		err    error
	)
	switch provider {
	case "tight":
		client, err = tightapi.NewClientWithResponses(server, tightapi.WithHTTPClient(doer))
	case "chargeover":
		client, err = chargeoverapi.NewClientWithResponses(server, chargeoverapi.WithHTTPClient(doer))
	case "meteroid":
		client, err = meteroidapi.NewClientWithResponses(server, meteroidapi.WithHTTPClient(doer))
	default:
		return nil, fmt.Errorf("no generated client for %s", provider)
	}
	if err != nil {
		return nil, err
	}
	v := reflect.ValueOf(client)
	m := v.MethodByName(goName(operation) + "WithBodyWithResponse")
	if !m.IsValid() {
		m = v.MethodByName(goName(operation) + "WithResponse")
	}
	if !m.IsValid() {
		return nil, fmt.Errorf("the generated %s client has no method for %s", provider, operation)
	}
	mt := m.Type()
	args := []reflect.Value{reflect.ValueOf(context.Background())}
	for i := 1; i < mt.NumIn()-1; i++ { // the last is the variadic request editors
		args = append(args, reflect.Zero(mt.In(i)))
	}
	out := m.Call(args)
	if e, _ := out[1].Interface().(error); e != nil {
		return nil, e
	}
	return out[0].Interface(), nil
}

func driftSpec(t testing.TB, provider string) *openapi3.T {
	t.Helper()
	var (
		doc *openapi3.T
		err error
	)
	switch provider {
	case "tight":
		doc, err = tightapi.GetSpec()
	case "chargeover":
		doc, err = chargeoverapi.GetSpec()
	case "meteroid":
		doc, err = meteroidapi.GetSpec()
	}
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestDriftCorpus validates every answer of the corpus with kin-openapi and
// parses it with the generated client, and checks that every declared
// Retry-After header is parsed. That every operation has answers is
// TestCompleteness's job.
func TestDriftCorpus(t *testing.T) {
	for _, provider := range []string{"tight", "chargeover", "meteroid"} {
		t.Run(provider, func(t *testing.T) {
			guard, err := specguard.New(driftSpec(t, provider))
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range loadDrift(t, provider) {
				op, ok := replayRequests[provider][a.Operation]
				if !ok {
					t.Fatalf("%s: operation %q has no replay request (replayRequests) or is not in the spec", a.Name, a.Operation)
				}
				t.Run(a.Name, func(t *testing.T) {
					in, err := guard.Request(op.request(""))
					if err != nil {
						t.Fatalf("the corpus' request for %s does not validate: %v", a.Operation, err)
					}
					ct, body := a.payload(t)
					h := http.Header{}
					if ct != "" {
						h.Set("Content-Type", ct)
					}
					for k, v := range a.Headers {
						h.Set(k, v)
					}
					if err := guard.Response(in, a.Status, h, body); err != nil {
						t.Errorf("kin-openapi refuses %s (%s): %v", a.Name, a.About, err)
					}
					resp := &http.Response{StatusCode: a.Status, Header: h, Body: io.NopCloser(bytes.NewReader(body))}
					parsed, err := parseResponse(provider, a.Operation, resp)
					if err != nil {
						t.Fatalf("the generated client cannot parse %s: %v", a.Name, err)
					}
					checkParsed(t, a, parsed)
				})
			}
		})
	}
}

// checkParsed checks that a JSON answer landed in its typed field
// (JSON<status>, or JSONDefault for an undeclared status) and that a
// Retry-After header landed in Headers<status>.
func checkParsed(t *testing.T, a driftAnswer, parsed any) {
	t.Helper()
	v := reflect.ValueOf(parsed).Elem()
	if a.isJSON() {
		f := v.FieldByName(fmt.Sprintf("JSON%d", a.Status))
		if !f.IsValid() {
			f = v.FieldByName("JSONDefault")
		}
		if !f.IsValid() || f.IsNil() {
			t.Errorf("%s: the generated client left the typed body of %d unset", a.Name, a.Status)
		}
	}
	if want, ok := a.Headers["Retry-After"]; ok {
		hs := v.FieldByName(fmt.Sprintf("Headers%d", a.Status))
		if !hs.IsValid() || hs.IsNil() {
			t.Errorf("%s: no parsed headers for %d (Retry-After declared?)", a.Name, a.Status)
			return
		}
		got := hs.Elem().FieldByName("RetryAfter")
		if got.Kind() == reflect.Pointer {
			if got.IsNil() {
				t.Errorf("%s: Retry-After not parsed", a.Name)
				return
			}
			got = got.Elem()
		}
		if got.String() != want {
			t.Errorf("%s: Retry-After = %q, want %q", a.Name, got.String(), want)
		}
	}
}
