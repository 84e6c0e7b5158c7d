package specs_test

// Prism (pinned in package.json) as a validating proxy in front of the
// project's fakes: a short scenario against each fake, then every answer of
// the drift corpus replayed through Prism, must come back without
// violations; and for every (operation, status) of the corpus a broken
// answer must come back WITH a violation, because Prism validates nothing,
// silently, for a schema its ajv cannot compile (it swallows the error).
//
// It runs only when BILLBRIDGE_PRISM names the prism executable, as `make
// lint-prism` does; then every failure to start Prism fails the test (Prism
// exits 0 after printing its usage on a fatal spec error, so the test waits
// for the port, not for the exit status).

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/billbridge/billbridge/gen/meteroidapi"
	"github.com/billbridge/billbridge/pkg/chargeover/chargeovertest"
	"github.com/billbridge/billbridge/pkg/meteroid/meteroidtest"
	"github.com/billbridge/billbridge/pkg/tight/tighttest"
)

const (
	replayHeader = "X-Drift-Replay" // the corpus answer the upstream should send
	breakHeader  = "X-Drift-Break"  // send a broken body instead (negative control)
)

func TestDriftPrism(t *testing.T) {
	prism := os.Getenv("BILLBRIDGE_PRISM")
	if prism == "" {
		t.Skip("BILLBRIDGE_PRISM is not set; `make lint-prism` runs this test with the pinned Prism")
	}
	if _, err := os.Stat(prism); err != nil {
		t.Fatalf("BILLBRIDGE_PRISM=%s: %v", prism, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	t.Cleanup(cancel) // after the parallel subtests
	for _, provider := range []string{"tight", "chargeover", "meteroid"} {
		t.Run(provider, func(t *testing.T) {
			t.Parallel()
			fakeURL, creds, scenario := startFake(t, provider)
			// Prism routes the spec's paths at its root, ignoring the path of
			// the server URL (Tight's /v6): it goes on the upstream URL, and
			// comes off the paths sent to Prism.
			prefix := serverPath(t, provider)
			upstream := replayer(t, provider, fakeURL) + prefix
			prismURL := startPrism(ctx, t, prism, provider+".yaml", upstream)
			base := prismURL
			client := &http.Client{Timeout: 20 * time.Second}

			// 1. The fake's own answers, through Prism.
			for _, step := range scenario {
				req, err := http.NewRequestWithContext(ctx, step.method, base+strings.TrimPrefix(step.path, prefix), strings.NewReader(step.body))
				if err != nil {
					t.Fatal(err)
				}
				if step.contentType != "" {
					req.Header.Set("Content-Type", step.contentType)
				}
				req.Header.Set("Authorization", creds(step))
				status, viol, body := prismDo(t, client, req)
				if status != step.want {
					t.Errorf("fake %s %s: status %d, want %d: %s", step.method, step.path, status, step.want, body)
				}
				if viol != "" {
					t.Errorf("Prism finds violations in the fake's answer to %s %s (%d): %s", step.method, step.path, status, viol)
				}
				if step.then != nil {
					step.then(body)
				}
			}

			// 2. The corpus, and a broken twin of each (operation, status).
			broken := map[string]bool{}
			for _, a := range loadDrift(t, provider) {
				op := replayRequests[provider][a.Operation]
				op.path = strings.TrimPrefix(op.path, prefix)
				send := func(breakIt bool) (int, string, []byte) {
					req := op.request(base).WithContext(ctx)
					req.Header.Set(replayHeader, a.Name)
					if breakIt {
						req.Header.Set(breakHeader, "1")
					}
					return prismDo(t, client, req)
				}
				status, viol, body := send(false)
				if status != a.Status {
					t.Errorf("%s: through Prism status %d, want %d: %s", a.Name, status, a.Status, body)
				}
				if viol != "" {
					t.Errorf("Prism refuses %s (%s): %s", a.Name, a.About, viol)
				}
				key := fmt.Sprintf("%s %d", a.Operation, a.Status)
				if a.isJSON() && !broken[key] {
					broken[key] = true
					if _, viol, _ := send(true); !strings.Contains(viol, `"response"`) {
						t.Errorf("%s: Prism accepts a broken body for %s: it validates nothing there (violations: %q)", a.Name, key, viol)
					}
				}
			}
		})
	}
}

// serverPath is the path of the spec's first server URL ("" when none).
func serverPath(t *testing.T, provider string) string {
	t.Helper()
	doc := driftSpec(t, provider)
	if len(doc.Servers) == 0 {
		return ""
	}
	u, err := url.Parse(doc.Servers[0].URL)
	if err != nil {
		return "" // a templated host such as https://{site}.chargeover.com
	}
	return strings.TrimRight(u.Path, "/")
}

// prismDo sends req and returns the status, Prism's violations header (empty
// when none) and the body. An answer of Prism's own (a problem+json about a
// failed proxy request) is reported as a violation.
func prismDo(t *testing.T, c *http.Client, req *http.Request) (int, string, []byte) {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s through Prism: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	viol := resp.Header.Get("sl-violations")
	if viol == "" && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") {
		viol = "Prism answered itself: " + string(body)
	}
	return resp.StatusCode, viol, body
}

// replayer is the upstream Prism proxies to: a corpus answer when the request
// names one, the fake otherwise.
func replayer(t *testing.T, provider, fakeURL string) string {
	t.Helper()
	answers := map[string]driftAnswer{}
	for _, a := range loadDrift(t, provider) {
		answers[a.Name] = a
	}
	target, err := url.Parse(fakeURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := r.Header.Get(replayHeader)
		if name == "" {
			proxy.ServeHTTP(w, r)
			return
		}
		a, ok := answers[name]
		if !ok {
			http.Error(w, "no drift answer "+name, http.StatusTeapot)
			return
		}
		if r.Header.Get(breakHeader) != "" {
			// No response schema of these specs accepts an array of one
			// number at the top level.
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(a.Status)
			_, _ = io.WriteString(w, "[1]")
			return
		}
		a.write(t, w)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// startPrism runs `prism proxy spec upstream` on a free loopback port and
// returns its base URL once the port answers; it fails the test if Prism
// exits first or does not listen within a minute.
func startPrism(ctx context.Context, t *testing.T, prism, spec, upstream string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	_, port, _ := net.SplitHostPort(addr)
	var out syncBuffer
	cmd := exec.CommandContext(ctx, prism, "proxy", spec, upstream, "--host", "127.0.0.1", "--port", port)
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.Env = append(os.Environ(), "NODE_NO_WARNINGS=1")
	if err := cmd.Start(); err != nil {
		t.Fatalf("start Prism: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("Prism's output for %s:\n%s", spec, out.String())
		}
	})
	deadline := time.After(60 * time.Second)
	for {
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("Prism exited (%v) before listening on %s for %s:\n%s", err, addr, spec, out.String())
		case <-deadline:
			t.Fatalf("Prism did not listen on %s within 60s for %s:\n%s", addr, spec, out.String())
		case <-ctx.Done():
			t.Fatalf("Prism for %s: %v", spec, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return "http://" + addr
		}
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// prismStep is one request of a fake scenario.
type prismStep struct {
	method, path, contentType, body string
	auth                            string // "basic", "bearer" or "token" (the token a previous step got)
	want                            int
	then                            func(body []byte)
}

// startFake starts the provider's fake, checking its own answers against
// the spec with kin-openapi as well, and returns its URL, the credentials of
// each step and a scenario that covers every operation.
func startFake(t *testing.T, provider string) (string, func(prismStep) string, []prismStep) {
	t.Helper()
	basic := func(u, p string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(u+":"+p)) }
	switch provider {
	case "tight":
		srv := tighttest.NewTestServer(t)
		var token string
		creds := func(s prismStep) string {
			switch s.auth {
			case "basic":
				return basic(srv.ClientID, srv.ClientSecret)
			case "token":
				return "Bearer " + token
			}
			return "Bearer " + srv.Token
		}
		return srv.URL, creds, []prismStep{
			{method: "POST", path: "/v6/auth/token", contentType: "application/x-www-form-urlencoded", body: "grant_type=client_credentials&scope=write",
				auth: "basic", want: 200, then: func(b []byte) { token = jsonField(t, b, "access_token") }},
			{method: "POST", path: "/v6/customers", contentType: "application/json", auth: "token", want: 200,
				body: `{"data":[{"id":"cus_prism","name":"Acme Corp","email":"billing@acme.com","invoiceSettings":{"showName":true}}]}`},
			{method: "POST", path: "/v6/customers", contentType: "application/json", want: 207,
				body: `{"data":[{"name":"Acme East"},{"email":"no-name@acme.com"}]}`},
			{method: "POST", path: "/v6/invoicing/invoices", contentType: "application/json", want: 200,
				body: `{"data":[{"name":"June","customerId":"cus_prism","lineItems":[{"quantity":"2.0","price":"5000.0"}],"discount":{"value":"5.0","type":"PERCENT","calculateBeforeSalesTax":true},"salesTax":{"value":"8.875","type":"PERCENT"}}]}`},
			{method: "POST", path: "/v6/invoicing/invoices", contentType: "application/json", want: 207,
				body: `{"data":[{"name":"July","customerId":"cus_nobody"}]}`},
		}
	case "chargeover":
		srv := chargeovertest.NewTestServer(t)
		creds := func(prismStep) string { return basic(srv.Username, srv.Password) }
		return srv.URL, creds, []prismStep{
			{method: "POST", path: "/api/v3/customer", contentType: "application/json", want: 201,
				body: `{"company":"Acme Widgets Inc.","external_key":"prism-0001","no_taxes":false,"invoice_delivery":"email","custtype_id":1}`},
			{method: "POST", path: "/api/v3/customer", contentType: "application/json", want: 400,
				body: `{"company":"Acme Again","external_key":"prism-0001"}`},
			{method: "GET", path: "/api/v3/customer/external_key:prism-0001", want: 200},
			{method: "GET", path: "/api/v3/customer/external_key:nobody", want: 404},
			{method: "POST", path: "/api/v3/_bulk", contentType: "application/json", want: 200,
				body: `[{"request_method":"POST","uri":"/api/v3/customer","payload":{"company":"Acme East","external_key":"prism-0002"}},{"request_method":"GET","uri":"/api/v3/customer/external_key:prism-0001"}]`},
		}
	case "meteroid":
		srv := meteroidtest.NewTestServer(t, meteroidtest.WithCustomers(meteroidapi.Customer{
			Id: "cus_7n42DGM5Tflk9n8mt7Fhc7", Name: "Acme GmbH", Alias: ptrTo("acme-de"), Currency: meteroidapi.CurrencyEUR,
			CustomTaxes: []meteroidapi.CustomTax{}, InvoicingEmails: []string{"billing@acme.example"},
			InvoicingEntityId: "ive_7n42DGM5Tflk9n8mt7Fhc7",
		}))
		creds := func(prismStep) string { return "Bearer " + srv.APIKey }
		return srv.URL, creds, []prismStep{
			{method: "GET", path: "/api/v1/customers/acme-de", want: 200},
			{method: "PATCH", path: "/api/v1/customers/acme-de", contentType: "application/json", want: 200,
				body: `{"name":"Acme AG","billing_address":{"country":"de"},"custom_taxes":[{"name":"VAT","rate":"0.19","tax_code":"DE"}]}`},
			{method: "GET", path: "/api/v1/customers/nobody", want: 404},
		}
	}
	t.Fatalf("no fake for %s", provider)
	return "", nil, nil
}

func ptrTo[T any](v T) *T { return &v }

func jsonField(t *testing.T, body []byte, field string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("%s: %v", body, err)
	}
	s, _ := m[field].(string)
	if s == "" {
		t.Fatalf("no %s in %s", field, body)
	}
	return s
}
