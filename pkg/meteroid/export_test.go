package meteroid

import (
	"bytes"
	"context"
	"io"
	"net/http"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/internal/engine"
	"github.com/billbridge/billbridge/internal/validate"
)

// DecodeCustomerBody is the customer decoding, for the external tests.
var DecodeCustomerBody = decodeCustomerBody

// ResponseError runs an error answer through the engine's classify step with
// Meteroid's error decoder, as a real answer goes, for the fuzz test.
func ResponseError(op string, h http.Header, status int, body []byte) *billbridge.APIError {
	e := &engine.Engine{Provider: engine.Provider{Name: Provider, DecodeError: decodeError}}
	_, err := e.Call(context.Background(), engine.Call{Op: op, Send: func(context.Context) (*http.Response, error) {
		return &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(bytes.NewReader(body))}, nil
	}})
	ae, _ := err.(*billbridge.APIError)
	return ae
}

// AppendEvent is appendEvent, for the test that holds it to json.Marshal.
var AppendEvent = appendEvent

// PDFWhole writes pdf through a pdfCheck in chunks of chunk bytes and
// reports whether it saw a whole PDF, and how many bytes.
func PDFWhole(pdf []byte, chunk int) (bool, int) {
	var c pdfCheck
	n := 0
	for len(pdf) > 0 {
		k := min(chunk, len(pdf))
		m, _ := c.Write(pdf[:k])
		n += m
		pdf = pdf[k:]
	}
	return c.incomplete() == "", n
}

// BreakValidators makes the customer request schemas unreadable until
// restore runs, for the test that New and event ingestion do without them.
// Not for parallel tests.
func BreakValidators(err error) (restore func()) {
	old := loadValidators
	loadValidators = func() ([]*validate.Validator, error) { return nil, err }
	return func() { loadValidators = old }
}
