package meteroid

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/gen/meteroidapi"
	"github.com/billbridge/billbridge/internal/batch"
	"github.com/billbridge/billbridge/internal/engine"
	"github.com/billbridge/billbridge/pkg/option"
)

// Invoice is an invoice as Meteroid returns it; amounts are in the
// currency's minor unit (cents).
type Invoice = meteroidapi.Invoice

// InvoiceStatus is an invoice's status, as a list filter takes it.
type InvoiceStatus = meteroidapi.InvoiceStatus

// InvoiceQuery selects the invoices ListInvoices walks. The zero value
// lists every invoice.
type InvoiceQuery struct {
	// CustomerIDOrAlias keeps one customer's invoices ("": all).
	CustomerIDOrAlias string
	// SubscriptionID keeps one subscription's invoices ("": all).
	SubscriptionID string
	// Statuses keeps the invoices in one of these statuses (none: all).
	Statuses []InvoiceStatus
	// PageSize is the per_page of each request: 0 for DefaultPageSize,
	// else 1 to MaxPageSize.
	PageSize int
}

// invoiceWalkOrder is the order_by of every invoice listing request:
// Meteroid offers no creation-time order for invoices, and invoice_date
// ascending is the closest to one (see ListInvoices).
var invoiceWalkOrder = "invoice_date.asc"

// ListInvoices walks every page of GET /api/v1/invoices and yields each
// invoice q selects once, by invoice date, oldest first (it sends
// order_by=invoice_date.asc; the server's default is newest first). What a
// walk guarantees: an invoice issued during the walk is dated today, so it
// lands after every invoice of an earlier date and disturbs no page before
// the position, except among the invoices of its own date, whose order is
// not documented; ids already yielded are never yielded again, so nothing
// is repeated, but an invoice of today's date may be skipped when one is
// issued while the walk is among them (walk again to be sure). Voiding
// does not remove an invoice from the listing. Errors, breaking out and a
// cancelled context behave as in ListCustomers.
func (c *Client) ListInvoices(ctx context.Context, q InvoiceQuery, opts ...option.RequestOption) iter.Seq2[Invoice, error] {
	if q.PageSize < 0 || q.PageSize > MaxPageSize {
		return engine.Fail[Invoice](&billbridge.ValidationError{Field: "page_size",
			Reason: fmt.Sprintf("%d: must be between 1 and %d (0 takes the default, %d)", q.PageSize, MaxPageSize, DefaultPageSize)})
	}
	perPage := int32(q.PageSize)
	if perPage == 0 {
		perPage = DefaultPageSize
	}
	ctx = c.e.Context(ctx, opts)
	fetch := func(ctx context.Context, page int32) (engine.Page[Invoice, int32], error) {
		params := &meteroidapi.ListInvoicesParams{OrderBy: &invoiceWalkOrder, Page: &page, PerPage: &perPage}
		if q.CustomerIDOrAlias != "" {
			params.CustomerId = &q.CustomerIDOrAlias
		}
		if q.SubscriptionID != "" {
			params.SubscriptionId = &q.SubscriptionID
		}
		if len(q.Statuses) > 0 {
			params.Statuses = &q.Statuses
		}
		call := engine.Call{Op: "listInvoices", Send: func(ctx context.Context) (*http.Response, error) {
			return c.API.ListInvoices(ctx, params)
		}}
		ans, err := c.e.Call(ctx, call)
		if err != nil {
			return engine.Page[Invoice, int32]{}, err
		}
		var list meteroidapi.InvoiceList
		if err := json.Unmarshal(ans.Body, &list); err != nil {
			return engine.Page[Invoice, int32]{}, c.e.Undecodable(call, ans, err)
		}
		for i, inv := range list.Data {
			if inv.Id == "" {
				return engine.Page[Invoice, int32]{}, c.e.Undecodable(call, ans, fmt.Errorf("data[%d]: the invoice has no id", i))
			}
		}
		return engine.Page[Invoice, int32]{Items: list.Data, Next: page + 1,
			Last: page+1 >= list.PaginationMeta.TotalPages, Total: int(list.PaginationMeta.TotalItems)}, nil
	}
	return engine.Distinct(engine.Pages(ctx, 0, fetch), func(inv Invoice) string { return inv.Id })
}

func emptyInvoiceID(index int) error {
	return &billbridge.ValidationError{Index: index, Field: "invoice_id", Reason: "must not be empty: give the invoice's id (inv_…)"}
}

// GetInvoice reads one invoice by id. An unknown id is a
// *billbridge.APIError that matches billbridge.ErrNotFound.
func (c *Client) GetInvoice(ctx context.Context, id string, opts ...option.RequestOption) (*Invoice, error) {
	if id == "" {
		return nil, emptyInvoiceID(0)
	}
	call := engine.Call{Op: "getInvoiceById", Send: func(ctx context.Context) (*http.Response, error) {
		return c.API.GetInvoiceById(ctx, id)
	}}
	ans, err := c.e.Call(c.e.Context(ctx, opts), call)
	if err != nil {
		return nil, err
	}
	var inv Invoice
	if err := json.Unmarshal(ans.Body, &inv); err != nil || inv.Id == "" {
		if err == nil {
			err = errors.New("the invoice has no id")
		}
		return nil, c.e.Undecodable(call, ans, err)
	}
	return &inv, nil
}

// DownloadInvoice copies the PDF of one invoice (GET
// /api/v1/invoices/{id}/download) to w as it arrives, in bounded memory
// whatever its size (the transport hands the body over unread instead of
// buffering it), and returns the bytes written. Requests that fail before
// the PDF starts (a lost connection, 429, 5xx) are retried like every
// read; a body that breaks off midway returns an error after part of it
// was written to w (DownloadInvoices writes to a temporary file and
// starts again instead). A body that ends cleanly but is not a whole PDF
// (no "%PDF-" in its first 1024 bytes or no "%%EOF" in its last 1024: a
// body cut short by a proxy or a server that still ended the answer
// properly) counts as broken off. An unknown invoice, or one without a PDF yet (a
// draft), is an error that matches billbridge.ErrNotFound. A 200 whose
// Content-Type is neither application/pdf nor application/octet-stream (a
// proxy's page) is a retryable error and writes nothing. The attempt
// timeout (option.WithAttemptTimeout) bounds the whole download.
func (c *Client) DownloadInvoice(ctx context.Context, id string, w io.Writer, opts ...option.RequestOption) (int64, error) {
	if id == "" {
		return 0, emptyInvoiceID(0)
	}
	n, _, err := c.download(c.e.Context(ctx, opts), id, w)
	return n, err
}

// download streams one PDF to w.
func (c *Client) download(ctx context.Context, id string, w io.Writer) (int64, *engine.Answer, error) {
	call := engine.Call{Op: "downloadInvoicePdf", Send: func(ctx context.Context) (*http.Response, error) {
		return c.API.DownloadInvoicePdf(ctx, id)
	}}
	body, ans, err := c.e.Stream(ctx, call)
	if err != nil {
		return 0, ans, err
	}
	defer body.Close()
	if ct := ans.Header.Get("Content-Type"); ct != "" {
		// A 200 that is not a PDF (a proxy's maintenance page, an error
		// as JSON) is not the invoice: nothing of it is written.
		if mt, _, perr := mime.ParseMediaType(ct); perr != nil || mt != "application/pdf" && mt != "application/octet-stream" {
			return 0, ans, &billbridge.APIError{Provider: Provider, Operation: call.Op, StatusCode: ans.Status, RequestID: ans.RequestID, Retryable: true,
				Message: fmt.Sprintf("invoice %s: the answer is %s, not a PDF", id, ct)}
		}
	}
	var check pdfCheck
	n, err := io.Copy(io.MultiWriter(w, &check), body)
	if err != nil {
		return n, ans, &billbridge.APIError{Provider: Provider, Operation: call.Op, StatusCode: ans.Status, RequestID: ans.RequestID, Retryable: true,
			Message: fmt.Sprintf("invoice %s: the PDF broke off after %d bytes: %v", id, n, err), Err: err}
	}
	if reason := check.incomplete(); reason != "" {
		// The body ended cleanly by HTTP's framing (no Content-Length, or
		// one a proxy or a broken server computed for what it had) but is
		// not a whole PDF: as good as broken off.
		return n, ans, &billbridge.APIError{Provider: Provider, Operation: call.Op, StatusCode: ans.Status, RequestID: ans.RequestID, Retryable: true,
			Message: fmt.Sprintf("invoice %s: the PDF broke off after %d bytes: %s", id, n, reason)}
	}
	return n, ans, nil
}

// pdfWindow is how far from a PDF's start its header and from its end its
// end-of-file marker may be: PDF readers look for "%PDF-" in the first
// 1024 bytes and for "%%EOF" in the last 1024 (ISO 32000 puts them at the
// very start and on the last line; writers add bytes around them).
const pdfWindow = 1024

// pdfCheck sees the bytes of a PDF as they are copied and keeps, in fixed
// memory, its first and its last pdfWindow bytes.
type pdfCheck struct {
	head         [pdfWindow]byte
	tail         [2 * pdfWindow]byte
	nHead, nTail int
}

func (c *pdfCheck) Write(p []byte) (int, error) {
	if c.nHead < len(c.head) {
		c.nHead += copy(c.head[c.nHead:], p)
	}
	if len(p) >= pdfWindow {
		c.nTail = copy(c.tail[:], p[len(p)-pdfWindow:])
		return len(p), nil
	}
	if c.nTail+len(p) > len(c.tail) {
		keep := pdfWindow - len(p)
		copy(c.tail[:keep], c.tail[c.nTail-keep:c.nTail])
		c.nTail = keep
	}
	c.nTail += copy(c.tail[c.nTail:], p)
	return len(p), nil
}

// incomplete says why the bytes seen are not a whole PDF ("" when they
// are): no header at the start, or no end-of-file marker at the end, which
// is what a PDF cut short lacks. A cut that happens to end just after the
// marker of an earlier revision (an incrementally updated PDF has one per
// revision) cannot be told from a whole file here.
func (c *pdfCheck) incomplete() string {
	switch {
	case !bytes.Contains(c.head[:c.nHead], []byte("%PDF-")):
		return "it does not start with a PDF header (%PDF-)"
	case !bytes.Contains(c.tail[max(0, c.nTail-pdfWindow):c.nTail], []byte("%%EOF")):
		return "it does not end with a PDF's end-of-file marker (%%EOF)"
	}
	return ""
}

// restart empties f for a download from the start.
func restart(f *os.File) error {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	return f.Truncate(0)
}

// downloadTries bounds the attempts of DownloadInvoices at one PDF whose
// body breaks off midway (each attempt has the transport's own retries).
const downloadTries = 3

// DownloadInvoices writes the PDFs of invoices into dir ("" for the
// working directory), one file "<id>.pdf" each, one request per id with up
// to Concurrency in flight, and returns one result per id in input order:
// ID the invoice's id, Value the file's path (dir joined with the name),
// Status 200. Each PDF streams into a temporary file in dir
// (".billbridge-*.pdf.part", mode 0600), flushed to disk and renamed into
// place once complete, so a file under the final name is whole: an
// existing <id>.pdf is replaced in one step (a reader sees the old file
// or the new one, never a mix), and a download that fails leaves it as it
// was. A body that breaks off midway, or ends without being a whole PDF,
// is downloaded again from the start (up to 3 times). Memory stays bounded
// whatever the PDFs' sizes. The file name never leaves dir: an id that is
// empty, holds a path separator, a control character (NUL included) or
// invalid UTF-8, is "." or "..", makes a name longer than 255 bytes, or
// is not a plain file name where the program runs (Windows' reserved
// names) fails locally with a *billbridge.ValidationError, nothing sent. A
// dir that is missing or not writable fails every id without a request.
// An unknown invoice, or a draft without a PDF, wraps billbridge.ErrNotFound.
func (c *Client) DownloadInvoices(ctx context.Context, ids []string, dir string, opts ...option.RequestOption) []billbridge.Result[string] {
	return batch.Run(c.e.Context(ctx, opts), ids, c.e.BatchOptions(1), batch.Each(c.downloadTo(dir)))
}

// DownloadInvoicesSeq is DownloadInvoices over a stream of ids.
func (c *Client) DownloadInvoicesSeq(ctx context.Context, ids iter.Seq[string], dir string, opts ...option.RequestOption) iter.Seq[billbridge.Result[string]] {
	return batch.Stream(c.e.Context(ctx, opts), ids, -1, c.e.BatchOptions(1), batch.Each(c.downloadTo(dir)))
}

// maxFileName is the longest file name, in bytes, that the common file
// systems take (NAME_MAX of Linux and macOS; NTFS counts 255 UTF-16 units,
// which 255 bytes never exceed).
const maxFileName = 255

// pdfFileName is the name DownloadInvoices gives the PDF of invoice id in
// its directory, "<id>.pdf", or a *billbridge.ValidationError (Index 0)
// when id cannot be one file name inside a directory: see DownloadInvoices.
func pdfFileName(id string) (string, error) {
	name := id + ".pdf"
	var reason string
	switch {
	case id == "":
		return "", emptyInvoiceID(0)
	case strings.ContainsAny(id, `/\`) || id == "." || id == "..":
		reason = "an invoice id names no directory (it becomes the file name)"
	case !utf8.ValidString(id):
		reason = "not valid UTF-8 (it becomes the file name)"
	case strings.ContainsFunc(id, unicode.IsControl):
		reason = "holds a control character (it becomes the file name)"
	case len(name) > maxFileName:
		reason = fmt.Sprintf("%d bytes long: its file name would pass the %d bytes a file system takes", len(id), maxFileName)
	case !filepath.IsLocal(name) || filepath.Base(name) != name:
		reason = "not a plain file name here (it becomes the file name)"
	}
	if reason != "" {
		shown := id
		if len(shown) > 64 {
			k := 64
			for k > 0 && !utf8.RuneStart(shown[k]) {
				k--
			}
			shown = shown[:k] + "…"
		}
		return "", &billbridge.ValidationError{Field: "invoice_id", Reason: fmt.Sprintf("%q: %s", shown, reason)}
	}
	return name, nil
}

func (c *Client) downloadTo(dir string) func(ctx context.Context, index int, id string) billbridge.Result[string] {
	if dir == "" {
		// Not os.CreateTemp's default (the system's temporary directory,
		// perhaps another file system, where the rename would fail).
		dir = "."
	}
	return func(ctx context.Context, index int, id string) billbridge.Result[string] {
		name, err := pdfFileName(id)
		if err != nil {
			if ve, ok := err.(*billbridge.ValidationError); ok {
				ve.Index = index
			}
			return billbridge.Result[string]{Err: err}
		}
		final := filepath.Join(dir, name)
		// The temporary name leaves the id out: a long id that makes a
		// valid final name would make too long a temporary one.
		tmp, err := os.CreateTemp(dir, ".billbridge-*.pdf.part")
		if err != nil {
			return billbridge.Result[string]{Err: &billbridge.APIError{Provider: Provider, Operation: "downloadInvoicePdf",
				Message: fmt.Sprintf("invoice %s: %v", id, err), Err: fmt.Errorf("%w: %w", billbridge.ErrNotSent, err)}}
		}
		defer os.Remove(tmp.Name()) // gone once renamed; a leftover otherwise
		defer tmp.Close()
		r := billbridge.Result[string]{ID: id}
		for try := 1; ; try++ {
			if err := restart(tmp); err != nil {
				r.Err = err
				return r
			}
			n, ans, err := c.download(ctx, id, tmp)
			r.Attempts += ans.Attempts
			r.Status, r.RequestID = ans.Status, ans.RequestID
			var ae *billbridge.APIError
			broke := err != nil && ans.Status == http.StatusOK && errors.As(err, &ae) && ctx.Err() == nil
			if broke && try < downloadTries {
				c.e.Logger.Debug("meteroid: PDF broke off, downloading again", "invoice", id, "bytes", n, "error", err.Error())
				continue
			}
			if err != nil {
				r.Err = err
				return r
			}
			break
		}
		// On disk before the rename: after a crash, the final name holds
		// the old file or the whole new one, never a renamed empty file
		// whose data was not written yet.
		if err := tmp.Sync(); err != nil {
			r.Err = fmt.Errorf("invoice %s: writing %s: %w", id, tmp.Name(), err)
			return r
		}
		if err := tmp.Close(); err != nil {
			r.Err = fmt.Errorf("invoice %s: writing %s: %w", id, tmp.Name(), err)
			return r
		}
		if err := os.Rename(tmp.Name(), final); err != nil {
			r.Err = fmt.Errorf("invoice %s: %w", id, err)
			return r
		}
		r.Value = final
		return r
	}
}
