package tight

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/internal/engine"
	"github.com/billbridge/billbridge/pkg/option"
)

// SendRounds bounds the sends of one invoice in one SendInvoices call: a
// send whose answer was lost is sent again only after the invoice read back
// shows it was not, and at most this many sends in all.
const SendRounds = 3

// SendClockSkew is how far before a SendInvoices call an invoice's
// emailSentDatetime may lie and still be read as this call's send: Tight
// records whole seconds, and its clock, as its answers' Date header tells
// it (the read-back measures the offset and judges the time on Tight's
// clock), is known to the second only, or not at all when the header is
// missing.
const SendClockSkew = 2 * time.Minute

// readBack is an invoice as the read-back saw it, with the offset of
// Tight's clock from the client's that the read measured (known false when
// no answer carried a Date header).
type readBack struct {
	inv    Invoice
	offset time.Duration
	known  bool
}

// settleSend reads the invoice id back after a send whose outcome is
// unknown (the call started at start) and says whether the send took
// effect: sent when the invoice shows an e-mail at or after start −
// SendClockSkew, or an e-mail status other than SENT (under way). It
// returns the invoice read, the requests the read took, and an error when
// the invoice cannot be read (the outcome then stays unknown). start is
// moved onto Tight's clock by the offset its Date header shows, so a clock
// that differs by more than SendClockSkew neither makes this call's e-mail
// look older than the call (and sent again) nor an older e-mail look like
// this call's. Tight
// documents no read of one invoice, so the read walks the invoice query
// until the id, one request per 250 invoices; the sends in doubt of one
// call share their walks (reads, an engine.Coalesce): a walk started after
// a send failed serves every send that failed before it started, and stops
// once it has found them all.
func (c *Client) settleSend(ctx context.Context, reads *engine.Coalesce[string, readBack], id string, start time.Time) (inv *Invoice, sent bool, attempts int, err error) {
	v, found, attempts, err := reads.Get(ctx, id)
	if !found {
		if err == nil {
			err = &billbridge.APIError{Provider: Provider, Operation: "queryInvoices",
				Message: "invoice " + id + " is not among the invoices: the send cannot be settled", Err: billbridge.ErrOutcomeUnknown}
		}
		return nil, false, attempts, err
	}
	if v.known {
		start = start.Add(v.offset)
	}
	return &v.inv, sentSince(v.inv.CollectionInfo, start.Add(-SendClockSkew)), attempts, nil
}

// invoiceReads is the shared read-back of one SendInvoices call: a walk of
// the invoice query until every id asked for is found, measuring Tight's
// clock by the Date header of its answers.
func (c *Client) invoiceReads() *engine.Coalesce[string, readBack] {
	return &engine.Coalesce[string, readBack]{Read: func(ctx context.Context, ids map[string]struct{}) (map[string]readBack, int, error) {
		ctx, n := countAttempts(c.e, ctx)
		var mu sync.Mutex
		var offset time.Duration
		known := false
		ctx = c.e.Context(ctx, []option.RequestOption{option.WithMiddleware(func(r *http.Request, next option.MiddlewareNext) (*http.Response, error) {
			resp, err := next(r)
			// Only Tight's own answers: a proxy's error page has its clock.
			if err == nil && resp.StatusCode < 300 {
				// A Date a day or more off is taken for a broken header,
				// not a clock: the client's clock is used then.
				if d, perr := http.ParseTime(resp.Header.Get("Date")); perr == nil && time.Until(d).Abs() < 24*time.Hour {
					// Date is whole seconds, written as the answer left:
					// the offset is known to about a second.
					mu.Lock()
					offset, known = time.Until(d), true
					mu.Unlock()
				}
			}
			return resp, err
		})})
		found := make(map[string]readBack, len(ids))
		var invs []Invoice
		var werr error
		for v, err := range c.ListInvoices(ctx, InvoiceQuery{PageSize: MaxPageSize}) {
			if err != nil {
				werr = err
				break
			}
			if _, ok := ids[v.Id]; ok {
				invs = append(invs, v)
				if len(invs) == len(ids) {
					break
				}
			}
		}
		mu.Lock()
		defer mu.Unlock()
		for _, v := range invs {
			found[v.Id] = readBack{inv: v, offset: offset, known: known}
		}
		return found, *n, werr
	}}
}

// sentSince reads an invoice's e-mail state: an e-mail recorded at or after
// since counts as sent, and so does an e-mail status other than SENT (an
// e-mail under way, Tight's list of statuses is not documented) or a status
// without a sent time to compare, except a status that says no e-mail went
// out (noEmail: NOT_SENT, FAILED, ...), which reads as not sent.
func sentSince(ci *CollectionInfo, since time.Time) bool {
	if ci == nil {
		return false
	}
	status := ""
	if ci.EmailStatus != nil {
		status = *ci.EmailStatus
	}
	switch {
	case ci.EmailSentDatetime != nil && !ci.EmailSentDatetime.Before(since.Truncate(time.Second)):
		return true
	case noEmail(status):
		return false // an invoice never e-mailed, or whose e-mail failed
	case status != "" && !strings.EqualFold(status, EmailSent):
		return true // under way (or ended otherwise): an e-mail exists for this send
	default:
		return status != "" && ci.EmailSentDatetime == nil
	}
}

// noEmail reports an e-mail status that says the customer got no e-mail:
// the invoice was never e-mailed, or its e-mail failed. Tight documents no
// such value; these are the spellings such a status takes, and reading one
// as an e-mail under way would report a send that never happened as done.
func noEmail(status string) bool {
	switch strings.NewReplacer(" ", "_", "-", "_").Replace(strings.ToUpper(strings.TrimSpace(status))) {
	case "NOT_SENT", "NOTSENT", "UNSENT", "NEVER_SENT", "NONE", "FAILED", "FAILURE", "ERROR", "BOUNCED":
		return true
	}
	return false
}

// EmailSent is the e-mail status of an invoice whose e-mail went out (the
// one value Tight's documents show).
const EmailSent = "SENT"
