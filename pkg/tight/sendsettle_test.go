package tight_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/pkg/fault"
	"github.com/billbridge/billbridge/pkg/flex"
	"github.com/billbridge/billbridge/pkg/option"
	"github.com/billbridge/billbridge/pkg/tight"
	"github.com/billbridge/billbridge/pkg/tight/tighttest"
)

// isSend lets the fault injector hit the sends alone: the invoice read back
// (the invoice query) is what settles them, and must be readable.
func isSend(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, "/send") }

// sendUnderFaults saves n invoices, sends each once before the call when
// sentBefore (an hour earlier by the fake's clock), then sends them all
// through SendInvoices with half the sends faulted (before or after Tight
// acted), and returns the results and the fake.
func sendUnderFaults(t *testing.T, n int, sentBefore bool, opts ...tighttest.Option) ([]billbridge.Result[tight.Invoice], *tighttest.Server) {
	t.Helper()
	var offset atomic.Int64
	clock := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	var armed atomic.Bool
	faults := fault.Config{Seed: 9, Skip: func(r *http.Request) bool { return !armed.Load() || !isSend(r) },
		Rates: map[fault.Kind]float64{fault.DropAfter: 0.1, fault.Status500After: 0.1, fault.TruncatedJSON: 0.1,
			fault.Status500: 0.05, fault.Status503: 0.05, fault.DropBefore: 0.1}}
	srv := tighttest.NewTestServer(t, append([]tighttest.Option{tighttest.WithFaults(faults), tighttest.WithClock(clock)}, opts...)...)
	c := newClient(t, srv)
	invs := make([]tight.InvoiceInput, n)
	items := make([]tight.SendInvoice, n)
	for i := range invs {
		id := fmt.Sprintf("inv_s%d", i)
		invs[i] = tight.InvoiceInput{Id: &id, Name: flex.Ptr("Invoice " + id)}
		items[i] = tight.SendInvoice{ID: id}
	}
	seedInvoices(t, c, invs...)
	if sentBefore {
		offset.Store(int64(-time.Hour))
		for _, r := range c.SendInvoices(context.Background(), items) {
			if r.Err != nil {
				t.Fatal(r.Err)
			}
		}
		offset.Store(0)
	}
	armed.Store(true)
	return c.SendInvoices(context.Background(), items), srv
}

// checkSends counts the results: no unknown outcome, every invoice e-mailed
// exactly once by the call (want e-mails in all), except one whose every
// send failed before Tight acted (SendRounds of them): it ends not sent,
// with no e-mail from the call.
func checkSends(t *testing.T, res []billbridge.Result[tight.Invoice], srv *tighttest.Server, want int) {
	t.Helper()
	found, notSent, wrong := 0, 0, 0
	for i, r := range res {
		id := fmt.Sprintf("inv_s%d", i)
		expect := want
		switch {
		case errors.Is(r.Err, billbridge.ErrNotSent):
			notSent++
			expect = want - 1
		case r.Err != nil:
			t.Errorf("send %d: %v", i, r.Err)
			if errors.Is(r.Err, billbridge.ErrOutcomeUnknown) {
				t.Errorf("send %d: outcome unknown although the invoice can be read", i)
			}
			continue
		case r.Existing:
			found++
		}
		if sends := srv.Sends(id); sends != expect {
			wrong++
			t.Errorf("invoice %s: %d e-mails, want %d", id, sends, expect)
		}
	}
	t.Logf("%d sends under faults: %d settled as found by the read-back, %d not sent after %d rounds, 0 unknown, %d invoices e-mailed twice by the call; %d send requests; faults %v",
		len(res), found, notSent, tight.SendRounds, wrong, srv.Count("sendInvoice", 0), srv.Faults.Counts())
}

// Of 60 sends with faults before and after Tight acted, none ends unknown
// and none e-mails an invoice twice.
func TestSendInvoicesSettleUnderFaults(t *testing.T) {
	res, srv := sendUnderFaults(t, 60, false)
	checkSends(t, res, srv, 1)
}

// Invoices e-mailed an hour before the call: their old emailSentDatetime
// does not pass for this call's send, so a send that did not act is sent
// again, and one that did is found; two e-mails each in all.
func TestSendInvoicesSettleSentBefore(t *testing.T) {
	res, srv := sendUnderFaults(t, 60, true)
	checkSends(t, res, srv, 2)
}

// An e-mail still in progress (emailStatus QUEUED, no emailSentDatetime)
// reads as this call's send under way: never sent twice.
func TestSendInvoicesSettleInProgress(t *testing.T) {
	res, srv := sendUnderFaults(t, 60, false, tighttest.WithEmailInProgress())
	checkSends(t, res, srv, 1)
}

// When the invoice cannot be read back (every read attempt fails), a lost
// answer stays an unknown outcome and nothing is sent again.
func TestSendInvoiceUnreadableStaysUnknown(t *testing.T) {
	seq := []fault.Kind{fault.None, fault.None, fault.DropAfter}
	for range 6 { // the read's first attempt and its 5 retries
		seq = append(seq, fault.Status503)
	}
	srv := tighttest.NewTestServer(t, tighttest.WithFaults(fault.Config{Sequence: seq}))
	c := newClient(t, srv)
	seedInvoices(t, c, tight.InvoiceInput{Id: flex.Ptr("inv_u")})
	r := c.SendInvoices(context.Background(), []tight.SendInvoice{{ID: "inv_u"}})[0]
	if !errors.Is(r.Err, billbridge.ErrOutcomeUnknown) || srv.Sends("inv_u") != 1 || srv.Count("sendInvoice", 0) != 1 {
		t.Fatalf("%+v (%v); %d e-mails, %d send requests", r, r.Err, srv.Sends("inv_u"), srv.Count("sendInvoice", 0))
	}
}

// Sends in doubt among many invoices share their read-backs: a walk of the
// invoice query serves every send that failed before it started, and stops
// once it has found them all, instead of one walk of every invoice per
// item (1,000 invoices are 4 pages a walk).
func TestSendInvoicesSettleSharesWalks(t *testing.T) {
	const filler, n = 1000, 16
	var armed atomic.Bool
	srv := tighttest.NewTestServer(t, tighttest.WithFaults(fault.Config{
		Skip:  func(r *http.Request) bool { return !armed.Load() || !isSend(r) },
		Rates: map[fault.Kind]float64{fault.DropAfter: 1}}))
	c := newClient(t, srv, option.WithBatchSize(500))
	invs := make([]tight.InvoiceInput, 0, filler+n)
	for i := range filler {
		invs = append(invs, tight.InvoiceInput{Id: flex.Ptr(fmt.Sprintf("inv_f%d", i))})
	}
	items := make([]tight.SendInvoice, n)
	for i := range items {
		id := fmt.Sprintf("inv_s%d", i)
		invs = append(invs, tight.InvoiceInput{Id: &id})
		items[i] = tight.SendInvoice{ID: id}
	}
	seedInvoices(t, c, invs...)
	armed.Store(true)
	before := srv.Count("queryInvoices", 0)
	res := c.SendInvoices(context.Background(), items)
	pages := srv.Count("queryInvoices", 0) - before
	for i, r := range res {
		if r.Err != nil || !r.Existing || srv.Sends(items[i].ID) != 1 {
			t.Fatalf("send %d: %+v (%v), %d e-mails", i, r, r.Err, srv.Sends(items[i].ID))
		}
	}
	perItem := n * ((filler + n + tight.MaxPageSize - 1) / tight.MaxPageSize)
	t.Logf("%d sends in doubt among %d invoices: %d query pages (one walk per item: %d)", n, filler+n, pages, perItem)
	if pages > perItem/2 {
		t.Fatalf("%d query pages to settle %d sends: the walks are not shared (one per item: %d)", pages, n, perItem)
	}
}

// An invoice named twice in one call is e-mailed once: the repeat is
// refused before anything is sent, naming the earlier item, in the slice
// and the Seq form alike.
func TestSendInvoicesRepeatedIDSentOnce(t *testing.T) {
	srv := tighttest.NewTestServer(t)
	c := newClient(t, srv)
	seedInvoices(t, c, tight.InvoiceInput{Id: flex.Ptr("inv_a")}, tight.InvoiceInput{Id: flex.Ptr("inv_b")})
	items := []tight.SendInvoice{{ID: "inv_a"}, {ID: "inv_b"}, {ID: "inv_a"}, {ID: "inv_a", Type: tight.SendAsQuote}}
	check := func(form string, res []billbridge.Result[tight.Invoice], sends int) {
		t.Helper()
		checkOrdered(t, res, len(items))
		if res[0].Err != nil || res[1].Err != nil {
			t.Fatalf("%s: %v, %v", form, res[0].Err, res[1].Err)
		}
		for _, i := range []int{2, 3} {
			var ve *billbridge.ValidationError
			if !errors.As(res[i].Err, &ve) || ve.Index != i || !strings.Contains(ve.Reason, "repeats item 0") {
				t.Fatalf("%s: item %d: %v", form, i, res[i].Err)
			}
		}
		if got := srv.Sends("inv_a"); got != sends {
			t.Fatalf("%s: inv_a e-mailed %d times, want %d", form, got, sends)
		}
	}
	check("slice", c.SendInvoices(context.Background(), items), 1)
	var got []billbridge.Result[tight.Invoice]
	for r := range c.SendInvoicesSeq(context.Background(), slices.Values(items)) {
		got = append(got, r)
	}
	check("seq", got, 2)
}

// A send answered 200, its caller's context cancelled just after the answer
// arrived: the invoice was e-mailed, so the result must not say "not sent"
// (which invites sending it again); the answer in hand decides it. The same
// holds for a payment create: the fake holds it, so not sent would be false.
func TestCancelAfterAnswerIsNotNotSent(t *testing.T) {
	srv := tighttest.NewTestServer(t)
	c := newClient(t, srv)
	seedInvoices(t, c, tight.InvoiceInput{Id: flex.Ptr("inv_c")})
	cancelAfter := func(cancel context.CancelFunc, path string) option.RequestOption {
		return option.WithMiddleware(func(r *http.Request, next option.MiddlewareNext) (*http.Response, error) {
			resp, err := next(r)
			if strings.HasSuffix(r.URL.Path, path) && err == nil {
				cancel()
			}
			return resp, err
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := c.SendInvoices(ctx, []tight.SendInvoice{{ID: "inv_c"}}, cancelAfter(cancel, "/send"))[0]
	if srv.Sends("inv_c") != 1 {
		t.Fatalf("%d e-mails", srv.Sends("inv_c"))
	}
	if errors.Is(r.Err, billbridge.ErrNotSent) {
		t.Fatalf("the invoice was e-mailed, yet the result says not sent: %v", r.Err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	p := c.SavePayments(ctx, []tight.PaymentInput{payment("cancelled after the answer", 5, "")}, cancelAfter(cancel, "/payments"))[0]
	if len(srv.Payments()) != 1 {
		t.Fatalf("%d payments", len(srv.Payments()))
	}
	if errors.Is(p.Err, billbridge.ErrNotSent) {
		t.Fatalf("the payment was created, yet the result says not sent: %v", p.Err)
	}
}

// Tight's clock off the client's by more than SendClockSkew: the read-back
// judges emailSentDatetime on Tight's clock (its Date header), so a send
// that acted is found although its time lies "before" the call on the
// client's clock, and an e-mail sent before the call is not taken for this
// call's although its time lies "after" the call's start.
func TestSendInvoicesSettleClockSkew(t *testing.T) {
	for _, skew := range []time.Duration{-10 * time.Minute, 10 * time.Minute} {
		t.Run(skew.String(), func(t *testing.T) {
			clock := func() time.Time { return time.Now().Add(skew) }
			var armed atomic.Bool
			var kind atomic.Value
			kind.Store(fault.DropAfter)
			srv := tighttest.NewTestServer(t, tighttest.WithClock(clock), tighttest.WithFaults(fault.Config{
				Skip:  func(r *http.Request) bool { return !armed.Load() || !isSend(r) },
				Rates: map[fault.Kind]float64{fault.DropAfter: 1}}))
			c := newClient(t, srv)
			seedInvoices(t, c, tight.InvoiceInput{Id: flex.Ptr("inv_k")})
			armed.Store(true)
			// Every send acts and loses its answer: found, one e-mail.
			r := c.SendInvoices(context.Background(), []tight.SendInvoice{{ID: "inv_k"}})[0]
			if r.Err != nil || !r.Existing || srv.Sends("inv_k") != 1 {
				t.Fatalf("Tight's clock %v off: %+v (%v), %d e-mails, want 1", skew, r, r.Err, srv.Sends("inv_k"))
			}
		})
	}
	// Tight 10 minutes ahead; the invoice e-mailed 5 minutes before the
	// call; every send of the call dropped before Tight acted: the old
	// e-mail is not this call's, so the item ends not sent, not found.
	var offset atomic.Int64
	offset.Store(int64(5 * time.Minute))
	var armed atomic.Bool
	srv := tighttest.NewTestServer(t, tighttest.WithClock(func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }),
		tighttest.WithFaults(fault.Config{
			Skip:  func(r *http.Request) bool { return !armed.Load() || !isSend(r) },
			Rates: map[fault.Kind]float64{fault.DropBefore: 1}}))
	c := newClient(t, srv)
	seedInvoices(t, c, tight.InvoiceInput{Id: flex.Ptr("inv_m")})
	if _, err := c.SendInvoice(context.Background(), tight.SendInvoice{ID: "inv_m"}); err != nil {
		t.Fatal(err)
	}
	offset.Store(int64(10 * time.Minute))
	armed.Store(true)
	r := c.SendInvoices(context.Background(), []tight.SendInvoice{{ID: "inv_m"}})[0]
	if r.Existing || !errors.Is(r.Err, billbridge.ErrNotSent) || srv.Sends("inv_m") != 1 {
		t.Fatalf("an e-mail of 5 minutes before the call, Tight 10 minutes ahead: %+v (%v), %d e-mails", r, r.Err, srv.Sends("inv_m"))
	}
}
