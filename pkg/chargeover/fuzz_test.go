package chargeover

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/internal/engine"
)

// FuzzDecodeResponses feeds arbitrary bodies and statuses to the three
// answer mappings (bulk, create, read by key). Whatever arrives, each item
// must end in a known state with a consistent result: a success has an id,
// a failure has an error, an unsure outcome wraps ErrOutcomeUnknown. The
// seed corpus is the spec's example bodies.
func FuzzDecodeResponses(f *testing.F) {
	files, err := filepath.Glob("../../specs/testdata/chargeover/*.json")
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed corpus: %v", err)
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		for _, status := range []int{200, 201, 400, 404, 429, 500} {
			f.Add(b, status)
		}
	}
	f.Add([]byte(`{"code":200,"status":"OK","response":{"_bulk":[{"code":201,"status":"OK","response":{"id":"12x"}},{"code":503,"status":"Error"}]}}`), 200)
	f.Add([]byte(`<html>502</html>`), 502)
	f.Fuzz(func(t *testing.T, body []byte, status int) {
		if status < 100 || status > 599 {
			return
		}
		// The answers go through the engine's classify step, as real ones do.
		resp := func(context.Context) (*http.Response, error) {
			h := http.Header{}
			h.Set("Content-Type", "application/json")
			return &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(bytes.NewReader(body))}, nil
		}
		c := &Client{e: &engine.Engine{Provider: engine.Provider{Name: Provider, DecodeError: decodeError}, Logger: slog.New(slog.DiscardHandler)}}
		ctx := context.Background()
		res := make([]billbridge.Result[int64], 3)
		c.bulk(ctx, res, resp)
		for i, r := range res {
			checkResult(t, i, r)
		}
		var r billbridge.Result[int64]
		c.createOne(ctx, &r, resp)
		checkResult(t, 0, r)
		if r.Status != status {
			t.Errorf("create: Status %d, want %d", r.Status, status)
		}
		cust, _, err := c.readCustomer(ctx, opGet, resp)
		if (cust == nil) == (err == nil) {
			t.Errorf("read: customer %v and error %v", cust, err)
		}
		var ae *billbridge.APIError
		if err != nil && !errors.As(err, &ae) {
			t.Errorf("read: error %T is not an *APIError", err)
		}
	})
}

func checkResult(t *testing.T, i int, r billbridge.Result[int64]) {
	t.Helper()
	var ae *billbridge.APIError
	switch {
	case r.Err == nil && (r.ID == "" || r.Status != http.StatusCreated):
		t.Errorf("item %d: success without id: %+v", i, r)
	case r.Err != nil && !errors.As(r.Err, &ae):
		t.Errorf("item %d: error %T is not an *APIError", i, r.Err)
	}
}
