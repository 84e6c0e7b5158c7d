package meteroid_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/billbridge/billbridge/pkg/meteroid"
)

// FuzzDecodeResponse feeds arbitrary bodies and statuses to the response
// mapping: decoding never panics, a decoded customer survives a round trip,
// and an error answer always maps to an APIError that keeps its status.
// The seed corpus is the spec's test data (documented, drifted and error
// bodies), so `go test` runs those as ordinary cases.
func FuzzDecodeResponse(f *testing.F) {
	files, err := filepath.Glob("../../specs/testdata/meteroid/*.json")
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed corpus: %v", err)
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		status := 200
		if strings.HasPrefix(filepath.Base(name), "error.") {
			status = 400
			for _, s := range []string{"401", "404", "429", "500"} {
				if strings.Contains(name, s) {
					status = atoi(s)
				}
			}
		}
		f.Add(data, status)
	}
	f.Add([]byte("<html>502 Bad Gateway</html>"), 502)
	f.Add([]byte(`{"id":"cus_1","name":"x","currency":"EUR","custom_taxes":[],"invoicing_emails":[],"invoicing_entity_id":"ive_1","is_tax_exempt":"yes"}`), 200)
	f.Add([]byte(`{"code":"INTERNAL`), 500)

	f.Fuzz(func(t *testing.T, body []byte, status int) {
		cust, err := meteroid.DecodeCustomerBody(body)
		if err == nil {
			if cust.Id == "" {
				t.Fatal("a customer without id decoded")
			}
			again, err := json.Marshal(cust)
			if err != nil {
				t.Fatalf("re-encoding a decoded customer: %v", err)
			}
			back, err := meteroid.DecodeCustomerBody(again)
			if err != nil || back.Id != cust.Id || back.Name != cust.Name || back.Currency != cust.Currency {
				t.Fatalf("round trip: %+v -> %s -> %+v, %v", cust, again, back, err)
			}
		}
		h := http.Header{"Content-Type": {"application/json"}}
		e := meteroid.ResponseError("patchCustomer", h, status, body)
		if status < 300 {
			if e != nil {
				t.Fatalf("a %d answer classified as an error: %v", status, e)
			}
			return
		}
		if e.StatusCode != status || e.Provider != "meteroid" || e.Operation != "patchCustomer" || e.Error() == "" {
			t.Fatalf("mapping lost its frame: %#v", e)
		}
		if e.Code == "" && e.Message == "" {
			t.Fatalf("an error with neither code nor message: %#v", e)
		}
	})
}

func TestDecodeDrift(t *testing.T) {
	data, err := os.ReadFile("../../specs/testdata/meteroid/customer.drift.json")
	if err != nil {
		t.Fatal(err)
	}
	c, err := meteroid.DecodeCustomerBody(data)
	if err != nil {
		t.Fatalf("drifted customer: %v", err)
	}
	if c.Currency != "XBT" || c.CustomTaxes[0].Rate != "0.2" || c.Alias != nil {
		t.Errorf("drifted customer decoded as %+v", c)
	}
	data, _ = os.ReadFile("../../specs/testdata/meteroid/error.drift.json")
	e := meteroid.ResponseError("patchCustomer", http.Header{"Content-Type": {"application/json; charset=utf-8"}}, 402, data)
	if e.Code != "PAYMENT_REQUIRED" || e.RequestID != "req_01HZX3K9P6" || e.Retryable {
		t.Errorf("drifted error mapped as %#v", e)
	}
	e = meteroid.ResponseError("patchCustomer", http.Header{"Content-Type": {"application/json"}, "X-Request-Id": {"req_hdr"}}, 503, []byte(`{"code":"INTERNAL_SERVER_ERROR","message":"busy"}`))
	if e.RequestID != "req_hdr" || !e.Retryable || e.Code != meteroid.CodeInternalServerError {
		t.Errorf("503 mapped as %#v", e)
	}
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}
