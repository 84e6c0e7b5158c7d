package tight

import (
	"context"
	"strings"
	"time"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/internal/engine"
)

// SendRounds bounds the sends of one invoice in one SendInvoices call: a
// send whose answer was lost is sent again only after the invoice read back
// shows it was not, and at most this many sends in all.
const SendRounds = 3

// SendClockSkew is how far before a SendInvoices call an invoice's
// emailSentDatetime may lie and still be read as this call's send: Tight's
// clock and the client's may differ, and Tight records whole seconds.
const SendClockSkew = 2 * time.Minute

// settleSend reads the invoice id back after a send whose outcome is
// unknown (the call started at start) and says whether the send took
// effect: sent when the invoice shows an e-mail at or after start −
// SendClockSkew, or an e-mail status other than SENT (under way). It
// returns the invoice read, the requests the read took, and an error when
// the invoice cannot be read (the outcome then stays unknown). Tight
// documents no read of one invoice, so the read walks the invoice query
// until the id, one request per 250 invoices; the sends in doubt of one
// call share their walks (reads, an engine.Coalesce): a walk started after
// a send failed serves every send that failed before it started, and stops
// once it has found them all.
func (c *Client) settleSend(ctx context.Context, reads *engine.Coalesce[string, Invoice], id string, start time.Time) (inv *Invoice, sent bool, attempts int, err error) {
	v, found, attempts, err := reads.Get(ctx, id)
	if !found {
		if err == nil {
			err = &billbridge.APIError{Provider: Provider, Operation: "queryInvoices",
				Message: "invoice " + id + " is not among the invoices: the send cannot be settled", Err: billbridge.ErrOutcomeUnknown}
		}
		return nil, false, attempts, err
	}
	return &v, sentSince(v.CollectionInfo, start.Add(-SendClockSkew)), attempts, nil
}

// invoiceReads is the shared read-back of one SendInvoices call: a walk of
// the invoice query until every id asked for is found.
func (c *Client) invoiceReads() *engine.Coalesce[string, Invoice] {
	return &engine.Coalesce[string, Invoice]{Read: func(ctx context.Context, ids map[string]struct{}) (map[string]Invoice, int, error) {
		ctx, n := countAttempts(c.e, ctx)
		found := make(map[string]Invoice, len(ids))
		for v, err := range c.ListInvoices(ctx, InvoiceQuery{PageSize: MaxPageSize}) {
			if err != nil {
				return found, *n, err
			}
			if _, ok := ids[v.Id]; ok {
				found[v.Id] = v
				if len(found) == len(ids) {
					break
				}
			}
		}
		return found, *n, nil
	}}
}

// sentSince reads an invoice's e-mail state: an e-mail recorded at or after
// since counts as sent, and so does an e-mail status other than SENT (an
// e-mail under way, Tight's list of statuses is not documented) or a status
// without a sent time to compare.
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
	case status != "" && !strings.EqualFold(status, EmailSent):
		return true // under way (or ended otherwise): an e-mail exists for this send
	default:
		return status != "" && ci.EmailSentDatetime == nil
	}
}

// EmailSent is the e-mail status of an invoice whose e-mail went out (the
// one value Tight's documents show).
const EmailSent = "SENT"
