package meteroid_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/pkg/fault"
	"github.com/billbridge/billbridge/pkg/meteroid"
	"github.com/billbridge/billbridge/pkg/meteroid/meteroidtest"
	"github.com/billbridge/billbridge/pkg/option"
)

// invoiced starts a fake with n customers, each subscribed (ACTIVE, so
// invoiced at once), and returns the invoice ids in creation order.
func invoiced(t *testing.T, n int, opts ...meteroidtest.Option) (*meteroidtest.Server, *meteroid.Client, []string) {
	t.Helper()
	srv := meteroidtest.NewTestServer(t, append([]meteroidtest.Option{meteroidtest.WithGeneratedCustomers(n)}, opts...)...)
	c := newClient(t, srv, option.WithConcurrency(1))
	for i := range n {
		if _, err := c.CreateSubscription(context.Background(), subItem(fmt.Sprintf("cus_%d", i), "2026-01-01")); err != nil {
			t.Fatal(err)
		}
	}
	var ids []string
	for _, inv := range srv.Invoices() {
		ids = append(ids, inv.Id)
	}
	if len(ids) != n {
		t.Fatalf("%d invoices, want %d", len(ids), n)
	}
	return srv, c, ids
}

func TestInvoiceReads(t *testing.T) {
	_, c, ids := invoiced(t, 3)
	ctx := context.Background()
	var got []string
	for inv, err := range c.ListInvoices(ctx, meteroid.InvoiceQuery{PageSize: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, inv.Id)
	}
	if !slices.Equal(got, ids) { // one invoice date: creation order
		t.Errorf("listed %v, want %v", got, ids)
	}
	got = nil
	for inv, err := range c.ListInvoices(ctx, meteroid.InvoiceQuery{CustomerIDOrAlias: "alias-1"}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, inv.Id)
	}
	if !slices.Equal(got, ids[1:2]) {
		t.Errorf("customer alias-1: %v", got)
	}
	inv, err := c.GetInvoice(ctx, ids[0])
	if err != nil || inv.Id != ids[0] || inv.Total != 4900 || len(inv.LineItems) != 1 {
		t.Errorf("get: %+v %v", inv, err)
	}
	if _, err := c.GetInvoice(ctx, "inv_none"); !errors.Is(err, billbridge.ErrNotFound) {
		t.Errorf("get unknown: %v", err)
	}
	var buf bytes.Buffer
	n, err := c.DownloadInvoice(ctx, ids[0], &buf)
	if err != nil || n != int64(buf.Len()) || !bytes.HasPrefix(buf.Bytes(), []byte("%PDF-")) {
		t.Errorf("download: %d %v %q", n, err, buf.Bytes()[:min(buf.Len(), 20)])
	}
	if _, err := c.DownloadInvoice(ctx, "inv_none", io.Discard); !errors.Is(err, billbridge.ErrNotFound) {
		t.Errorf("download unknown: %v", err)
	}
}

func TestDownloadInvoices(t *testing.T) {
	_, c, ids := invoiced(t, 2, meteroidtest.WithFaults(fault.Config{Sequence: []fault.Kind{
		fault.None, fault.None, fault.None, fault.None, // the two creates and their lookups
		fault.DropAfter, fault.Status503, // the first download's first two attempts
	}}))
	dir := t.TempDir()
	rs := c.DownloadInvoices(context.Background(), append(slices.Clone(ids), "inv_none", "", "../x"), dir)
	if len(rs) != 5 {
		t.Fatalf("%d results", len(rs))
	}
	for i, r := range rs[:2] {
		data, err := os.ReadFile(filepath.Join(dir, ids[i]+".pdf"))
		if !r.OK() || r.Value != filepath.Join(dir, ids[i]+".pdf") || r.ID != ids[i] || err != nil || !bytes.HasSuffix(data, []byte("%%EOF\n")) {
			t.Errorf("item %d: %+v %v", i, r, err)
		}
	}
	// The first download met a dropped answer and a 503, both retried (Go's
	// http.Transport itself may repeat a GET whose reused connection
	// dropped, which the trace counts as one attempt).
	if rs[0].Attempts < 2 {
		t.Errorf("item 0: %d attempts, want the faults retried", rs[0].Attempts)
	}
	if !errors.Is(rs[2].Err, billbridge.ErrNotFound) {
		t.Errorf("item 2: %v", rs[2].Err)
	}
	var ve *billbridge.ValidationError
	if !errors.As(rs[3].Err, &ve) || ve.Index != 3 || !errors.As(rs[4].Err, &ve) || ve.Index != 4 || ve.Field != "invoice_id" {
		t.Errorf("items 3, 4: %v; %v", rs[3].Err, rs[4].Err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("%d files in dir, want the 2 PDFs (no leftovers)", len(entries))
	}
}

// pdfServer serves GET .../download with a PDF of size bytes (a header,
// zeros, the end-of-file marker), streamed from a limited reader (nothing
// held in memory); breakFirst cuts the first answer off halfway.
func pdfServer(t *testing.T, size int64, breakFirst bool) (*httptest.Server, *atomic.Int32) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		w.Header().Set("Content-Type", "application/pdf")
		w.Header().Set("Content-Length", fmt.Sprint(size))
		w.WriteHeader(http.StatusOK)
		if breakFirst && n == 1 {
			_, _ = io.Copy(w, io.LimitReader(bigPDF(size), size/2))
			panic(http.ErrAbortHandler) // the connection breaks off
		}
		_, _ = io.Copy(w, bigPDF(size))
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

// bigPDF reads as a PDF of size bytes: header, zeros, end-of-file marker.
func bigPDF(size int64) io.Reader {
	const head, tail = "%PDF-1.7\n", "\n%%EOF\n"
	return io.MultiReader(strings.NewReader(head), io.LimitReader(zeros{}, size-int64(len(head)+len(tail))), strings.NewReader(tail))
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// TestDownloadInBoundedMemory: the bytes allocated while downloading do not
// grow with the PDF's size (8 MiB and 256 MiB, well past the transport's
// 16 MiB cap on buffered answers).
func TestDownloadInBoundedMemory(t *testing.T) {
	alloc := func(size int64) uint64 {
		srv, _ := pdfServer(t, size, false)
		c, err := meteroid.New(option.WithBaseURL(srv.URL), option.WithToken("pv_sand_x"), option.WithRateLimit(0, 0))
		if err != nil {
			t.Fatal(err)
		}
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		n, err := c.DownloadInvoice(context.Background(), "inv_big", io.Discard)
		runtime.ReadMemStats(&after)
		if err != nil || n != size {
			t.Fatalf("size %d: %d bytes, %v", size, n, err)
		}
		return after.TotalAlloc - before.TotalAlloc
	}
	small, large := alloc(8<<20), alloc(256<<20)
	t.Logf("allocated: %d KiB for 8 MiB, %d KiB for 256 MiB", small>>10, large>>10)
	if large > 4<<20 || large > 4*small+(1<<20) {
		t.Errorf("downloading 256 MiB allocated %d bytes (8 MiB: %d): memory grows with the PDF", large, small)
	}
}

// TestDownloadBreaksOff: a PDF cut off midway is downloaded again from the
// start into the same (truncated) temporary file.
func TestDownloadBreaksOff(t *testing.T) {
	srv, calls := pdfServer(t, 1<<20, true)
	c, err := meteroid.New(option.WithBaseURL(srv.URL), option.WithToken("pv_sand_x"), option.WithRateLimit(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	r := c.DownloadInvoices(context.Background(), []string{"inv_1"}, dir)[0]
	info, err := os.Stat(filepath.Join(dir, "inv_1.pdf"))
	if !r.OK() || err != nil || info.Size() != 1<<20 || calls.Load() != 2 {
		t.Errorf("%+v %v size %v, %d calls", r, err, info, calls.Load())
	}
	// DownloadInvoice itself reports the break.
	srv2, _ := pdfServer(t, 1<<20, true)
	c2, _ := meteroid.New(option.WithBaseURL(srv2.URL), option.WithToken("pv_sand_x"), option.WithRateLimit(0, 0))
	if _, err := c2.DownloadInvoice(context.Background(), "inv_1", io.Discard); err == nil || !strings.Contains(err.Error(), "broke off") {
		t.Errorf("single download of a cut PDF: %v", err)
	}
}

// TestDownloadRefusesNonPDF: a 200 that is not a PDF (a proxy's HTML page,
// a JSON body) is an error, and no <id>.pdf is left holding it.
func TestDownloadRefusesNonPDF(t *testing.T) {
	for _, ct := range []string{"text/html; charset=utf-8", "application/json"} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", ct)
			w.WriteHeader(http.StatusOK)
			_, _ = io.WriteString(w, "<html><body>Down for maintenance</body></html>")
		}))
		t.Cleanup(srv.Close)
		c, err := meteroid.New(option.WithBaseURL(srv.URL), option.WithToken("pv_sand_x"), option.WithRateLimit(0, 0),
			option.WithRetryPolicy(billbridge.RetryPolicy{MaxRetries: 1, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond}))
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		r := c.DownloadInvoices(context.Background(), []string{"inv_1"}, dir)[0]
		if r.OK() {
			t.Errorf("%s: a non-PDF answer was saved as the PDF: %+v", ct, r)
		}
		if _, err := os.Stat(filepath.Join(dir, "inv_1.pdf")); err == nil {
			t.Errorf("%s: inv_1.pdf exists", ct)
		}
		if _, err := c.DownloadInvoice(context.Background(), "inv_1", io.Discard); err == nil {
			t.Errorf("%s: DownloadInvoice took a non-PDF answer", ct)
		}
	}
}

// TestDownloadCutShort: an answer that ends cleanly by HTTP's framing but
// holds half the PDF (fault.TruncatedJSON: the body cut in half, its
// length recomputed) is downloaded again, and when every attempt is cut
// it is an error for that invoice only: nothing under <id>.pdf, no
// temporary file left, the other invoice written whole. It was saved as
// the PDF and reported a success.
func TestDownloadCutShort(t *testing.T) {
	var target atomic.Value
	target.Store("")
	srv, c, ids := invoiced(t, 2, meteroidtest.WithFaults(fault.Config{Rates: map[fault.Kind]float64{fault.TruncatedJSON: 1},
		Skip: func(r *http.Request) bool {
			id := target.Load().(string)
			return id == "" || !strings.Contains(r.URL.Path, "/"+id+"/")
		}}))
	target.Store(ids[0])
	dir := t.TempDir()
	rs := c.DownloadInvoices(context.Background(), ids, dir)
	var ae *billbridge.APIError
	if rs[0].OK() || !errors.As(rs[0].Err, &ae) || !strings.Contains(ae.Message, "%%EOF") || rs[0].ID != ids[0] || rs[0].Value != "" {
		t.Errorf("the cut invoice: %+v", rs[0])
	}
	if got := srv.Faults.Counts()[fault.TruncatedJSON]; got < 3 {
		t.Errorf("%d cut answers, want each of the 3 tries cut", got)
	}
	if _, err := os.Stat(filepath.Join(dir, ids[0]+".pdf")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s.pdf: %v, want none", ids[0], err)
	}
	data, err := os.ReadFile(filepath.Join(dir, ids[1]+".pdf"))
	if !rs[1].OK() || err != nil || !bytes.HasPrefix(data, []byte("%PDF-")) || !bytes.HasSuffix(data, []byte("%%EOF\n")) {
		t.Errorf("the other invoice: %+v %v", rs[1], err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("%d files in dir, want the one whole PDF (no leftovers)", len(entries))
	}
	// DownloadInvoice reports the cut too, after writing what came.
	if _, err := c.DownloadInvoice(context.Background(), ids[0], io.Discard); err == nil || !strings.Contains(err.Error(), "broke off") {
		t.Errorf("single download of a cut PDF: %v", err)
	}
}

// TestPDFCheck: the header and end-of-file marker are found whatever the
// sizes of the writes the copy makes, and a PDF cut anywhere is not whole.
func TestPDFCheck(t *testing.T) {
	pdf, err := io.ReadAll(bigPDF(10_000))
	if err != nil {
		t.Fatal(err)
	}
	for _, chunk := range []int{1, 7, 1023, 1024, 1025, 4096, 20_000} {
		for _, cut := range []int{len(pdf), len(pdf) - 3, len(pdf) / 2, 4, 0} {
			whole, n := meteroid.PDFWhole(pdf[:cut], chunk)
			if want := cut == len(pdf); whole != want || n != cut {
				t.Errorf("chunk %d, %d of %d bytes: whole %v (%d bytes seen), want %v", chunk, cut, len(pdf), whole, n, want)
			}
		}
	}
}

// TestDownloadFileNames: an id never makes a file outside the directory
// nor fails on the file system after a request: ids with separators, dot
// names, control characters (NUL too), invalid UTF-8 or a name past 255
// bytes are refused locally (nothing sent); the longest id whose name
// fits is sent (the fake does not know it: 404). A link named <id>.pdf
// that points out of the directory is replaced, its target untouched.
// dir "" is the working directory.
func TestDownloadFileNames(t *testing.T) {
	srv, c, ids := invoiced(t, 1)
	dir := t.TempDir()
	outside := filepath.Join(t.TempDir(), "victim")
	if err := os.WriteFile(outside, []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, ids[0]+".pdf")); err != nil {
		t.Fatal(err)
	}
	hostile := []string{"../x", "a/b", `..\x`, "..", ".", "/etc/passwd", "inv\x00x", "inv\nx", "inv\x7f", "\xff\xfe", strings.Repeat("i", 252)}
	longest := strings.Repeat("i", 251) // 251 + ".pdf" = 255 bytes
	before, _ := c.Counts()
	rs := c.DownloadInvoices(context.Background(), append(slices.Clone(hostile), longest, ids[0]), dir)
	after, _ := c.Counts()
	var ve *billbridge.ValidationError
	for i, r := range rs[:len(hostile)] {
		if !errors.As(r.Err, &ve) || ve.Index != i || ve.Field != "invoice_id" || r.Value != "" {
			t.Errorf("%q: %+v, want a validation error of item %d", hostile[i], r, i)
		}
	}
	if r := rs[len(hostile)]; !errors.Is(r.Err, billbridge.ErrNotFound) {
		t.Errorf("a %d-byte id: %v, want it sent (404)", len(longest), r.Err)
	}
	if after-before != 2 {
		t.Errorf("%d requests, want 2 (the longest id, the invoice)", after-before)
	}
	r := rs[len(rs)-1]
	final := filepath.Join(dir, ids[0]+".pdf")
	if info, err := os.Lstat(final); !r.OK() || r.Value != final || err != nil || !info.Mode().IsRegular() {
		t.Errorf("the invoice: %+v, %v %v", r, info, err)
	}
	if data, _ := os.ReadFile(outside); string(data) != "keep" {
		t.Errorf("the link's target outside dir holds %q", data)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("%d files in dir, want the one PDF", len(entries))
	}
	_ = srv

	// "" is the working directory, whatever the temporary directory is.
	t.Setenv("TMPDIR", filepath.Join(t.TempDir(), "missing"))
	wd := t.TempDir()
	t.Chdir(wd)
	r = c.DownloadInvoices(context.Background(), ids, "")[0]
	if _, err := os.Stat(filepath.Join(wd, ids[0]+".pdf")); !r.OK() || r.Value != ids[0]+".pdf" || err != nil {
		t.Errorf("dir \"\": %+v %v", r, err)
	}
}
