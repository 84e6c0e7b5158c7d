package tight

import (
	"context"
	"strings"
	"time"

	"github.com/billbridge/billbridge"
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
// until the id, one request per 250 invoices.
func (c *Client) settleSend(ctx context.Context, id string, start time.Time) (inv *Invoice, sent bool, attempts int, err error) {
	ctx, n := countAttempts(c.e, ctx)
	defer func() { attempts = *n }()
	for v, err := range c.ListInvoices(ctx, InvoiceQuery{PageSize: MaxPageSize}) {
		if err != nil {
			return nil, false, 0, err
		}
		if v.Id == id {
			return &v, sentSince(v.CollectionInfo, start.Add(-SendClockSkew)), 0, nil
		}
	}
	return nil, false, 0, &billbridge.APIError{Provider: Provider, Operation: "queryInvoices",
		Message: "invoice " + id + " is not among the invoices: the send cannot be settled", Err: billbridge.ErrOutcomeUnknown}
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
