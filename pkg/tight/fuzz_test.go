package tight

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/internal/engine"
)

// FuzzDecodeSave feeds Tight answers to the decoding and the per-item
// mapping: nothing may panic, every decoded item maps to exactly one of
// success (with the entity's id) or a *billbridge.APIError, and the error
// decoding of any body is tolerant. The seed corpus is the spec's examples
// and the drift samples in specs/testdata/tight.
func FuzzDecodeSave(f *testing.F) {
	files, _ := filepath.Glob("../../specs/testdata/tight/*.json")
	if len(files) == 0 {
		f.Fatal("no seed corpus in specs/testdata/tight")
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"result":"SUCCESS","data":[{"result":"SUCCESS","statusCode":201}]}`))
	f.Add([]byte(`<html>502</html>`))
	e := &engine.Engine{Provider: engine.Provider{Name: Provider}}
	cs := &saver[CustomerInput, Customer]{e: e, op: "saveCustomers", outputID: func(c Customer) string { return c.Id }}
	is := &saver[InvoiceInput, Invoice]{e: e, op: "saveInvoices", outputID: func(i Invoice) string { return i.Id }}
	f.Fuzz(func(t *testing.T, body []byte) {
		if items, err := decodeCustomers(body); err == nil {
			for _, it := range items {
				checkItem(t, cs, it)
			}
		}
		if items, err := decodeInvoices(body); err == nil {
			for _, it := range items {
				checkItem(t, is, it)
			}
		}
		_ = decodeError(http.StatusBadRequest, http.Header{"Content-Type": {"application/json"}}, body)
	})
}

func checkItem[In, Out any](t *testing.T, s *saver[In, Out], it item[Out]) {
	var r billbridge.Result[Out]
	s.fill(&r, it)
	if it.ok {
		if r.Err != nil {
			t.Fatalf("successful item mapped to %v", r.Err)
		}
		if it.data != nil && r.ID != s.outputID(*it.data) {
			t.Fatalf("id %q, want %q", r.ID, s.outputID(*it.data))
		}
		return
	}
	var ae *billbridge.APIError
	if !errors.As(r.Err, &ae) || ae.Message == "" || r.Status != it.status {
		t.Fatalf("failed item mapped to %+v", r)
	}
}

func TestItemParam(t *testing.T) {
	for in, want := range map[string]string{
		"data/3/name": "name", "data/12/lineItems/0/price": "lineItems/0/price",
		"data": "data", "data/x/name": "data/x/name", "Authorization": "Authorization", "": "",
	} {
		if got := itemParam(in); got != want {
			t.Errorf("itemParam(%q) = %q, want %q", in, got, want)
		}
	}
}
