package meteroidtest

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/billbridge/billbridge/gen/meteroidapi"
	"github.com/billbridge/billbridge/gen/meteroidserver"
	"github.com/billbridge/billbridge/internal/jsoncopy"
	"github.com/billbridge/billbridge/pkg/fake"
	"github.com/billbridge/billbridge/pkg/flex"
)

// The fake's invoices: a subscription that becomes ACTIVE on creation is
// invoiced at once for its current period (one FINALIZED invoice, the
// plan's fee, due after the subscription's net terms), and every finalized
// invoice has a small PDF. Drafts have none (404), as upstream before a
// draft is finalized and rendered.

// invoices holds the invoices in creation order. The caller of its methods
// holds the store's mu.
type invoices struct {
	byID  map[string]*meteroidapi.Invoice
	order []string
}

func (iv *invoices) add(inv *meteroidapi.Invoice) {
	if iv.byID == nil {
		iv.byID = map[string]*meteroidapi.Invoice{}
	}
	iv.byID[inv.Id] = inv
	iv.order = append(iv.order, inv.Id)
}

// invoiceSubscription issues the first invoice of a subscription created
// ACTIVE. The caller holds mu.
func (st *store) invoiceSubscription(d *meteroidapi.SubscriptionDetails, c *meteroidapi.Customer) {
	p := st.cat.plan(d.PlanId)
	if p == nil {
		return
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	start, end := d.CurrentPeriodStart, d.CurrentPeriodStart
	if d.CurrentPeriodEnd != nil {
		end = *d.CurrentPeriodEnd
	}
	inv := meteroidapi.Invoice{
		Id: "inv_" + randomBase62(22), InvoiceNumber: fmt.Sprintf("INV-%05d", len(st.invs.order)+1),
		Status: "FINALIZED", PaymentStatus: "UNPAID", InvoiceType: "RECURRING",
		CustomerId: c.Id, SubscriptionId: ptr(d.Id), Currency: d.Currency,
		InvoiceDate: start, DueDate: ptr(date(start.AddDate(0, 0, int(d.NetTerms)))), NetTerms: d.NetTerms,
		Subtotal: p.feeCents, SubtotalRecurring: p.feeCents, Total: p.feeCents, AmountDue: p.feeCents,
		LineItems: []meteroidapi.InvoiceLineItem{{Name: "Platform fee", AmountTotal: p.feeCents, StartDate: start, EndDate: end,
			TaxRate: flex.Decimal("0"), Quantity: ptr(flex.Decimal("1")), UnitPrice: ptr(flex.Decimal(fmt.Sprintf("%d.%02d", p.feeCents/100, p.feeCents%100))),
			SubLineItems: []map[string]any{}}},
		TaxBreakdown: []map[string]any{}, Transactions: []map[string]any{}, Coupons: []map[string]any{},
		CustomerDetails: meteroidapi.InvoiceCustomerDetails{Id: c.Id, Name: c.Name, Alias: c.Alias, Email: c.BillingEmail,
			VatNumber: c.VatNumber, BillingAddress: c.BillingAddress, SnapshotAt: now},
		PurchaseOrder: d.PurchaseOrder, Memo: d.InvoiceMemo, CreatedAt: now, FinalizedAt: &now,
	}
	for st.invs.byID[inv.Id] != nil {
		inv.Id = "inv_" + randomBase62(22)
	}
	st.invs.add(&inv)
}

func invoiceNotFound(id string) meteroidserver.EntityNotFoundJSONResponse {
	return meteroidserver.EntityNotFoundJSONResponse{Code: meteroidapi.ErrorCodeNotFound,
		Message: fmt.Sprintf("Invoice not found: no invoice has id %q", id)}
}

// ListInvoices answers one page of the invoices the filters select
// (customer by id or alias, subscription, statuses), in the order order_by
// names (default invoice_date.desc; ties in creation order).
func (st *store) ListInvoices(_ context.Context, req meteroidserver.ListInvoicesRequestObject) (meteroidserver.ListInvoicesResponseObject, error) {
	p := req.Params
	st.mu.Lock()
	defer st.mu.Unlock()
	customer := deref(p.CustomerId)
	if c := st.find(customer); c != nil {
		customer = c.Id
	}
	var all []*meteroidapi.Invoice
	for _, id := range st.invs.order {
		inv := st.invs.byID[id]
		switch {
		case customer != "" && inv.CustomerId != customer:
		case p.SubscriptionId != nil && deref(inv.SubscriptionId) != *p.SubscriptionId:
		case p.Statuses != nil && !slices.Contains(*p.Statuses, meteroidapi.InvoiceStatus(inv.Status)):
		default:
			all = append(all, inv)
		}
	}
	order := deref(p.OrderBy)
	if order == "" {
		order = "invoice_date.desc"
	}
	orderBy(all, order, map[string]func(*meteroidapi.Invoice) string{
		"invoice_number": func(i *meteroidapi.Invoice) string { return i.InvoiceNumber },
		"customer_name":  func(i *meteroidapi.Invoice) string { return i.CustomerDetails.Name },
		"amount":         func(i *meteroidapi.Invoice) string { return fmt.Sprintf("%020d", i.Total) },
		"invoice_date":   func(i *meteroidapi.Invoice) string { return i.InvoiceDate.Format(time.DateOnly) },
		"status":         func(i *meteroidapi.Invoice) string { return string(i.Status) },
		"payment_status": func(i *meteroidapi.Invoice) string { return i.PaymentStatus },
	})
	items, meta := pageOf(all, p.Page, p.PerPage)
	data := make([]meteroidapi.Invoice, 0, len(items))
	for _, inv := range items {
		data = append(data, jsoncopy.Clone(*inv))
	}
	return meteroidserver.ListInvoices200JSONResponse{Data: data, PaginationMeta: meta}, nil
}

// GetInvoiceById answers 200 with the invoice or 404.
func (st *store) GetInvoiceById(_ context.Context, req meteroidserver.GetInvoiceByIdRequestObject) (meteroidserver.GetInvoiceByIdResponseObject, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	id := fake.PathParam(req.InvoiceId)
	inv := st.invs.byID[id]
	if inv == nil {
		return meteroidserver.GetInvoiceById404JSONResponse{EntityNotFoundJSONResponse: invoiceNotFound(id)}, nil
	}
	return meteroidserver.GetInvoiceById200JSONResponse(jsoncopy.Clone(*inv)), nil
}

// DownloadInvoicePdf answers 200 with the invoice's PDF, or 404 for an
// unknown invoice or a draft (no PDF yet).
func (st *store) DownloadInvoicePdf(_ context.Context, req meteroidserver.DownloadInvoicePdfRequestObject) (meteroidserver.DownloadInvoicePdfResponseObject, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	id := fake.PathParam(req.InvoiceId)
	inv := st.invs.byID[id]
	if inv == nil {
		return meteroidserver.DownloadInvoicePdf404JSONResponse{EntityNotFoundJSONResponse: invoiceNotFound(id)}, nil
	}
	if inv.Status == "DRAFT" {
		return meteroidserver.DownloadInvoicePdf404JSONResponse{EntityNotFoundJSONResponse: meteroidserver.EntityNotFoundJSONResponse{
			Code: meteroidapi.ErrorCodeNotFound, Message: "PDF not available: invoice " + id + " is a draft"}}, nil
	}
	pdf := invoicePDF(inv)
	return meteroidserver.DownloadInvoicePdf200ApplicationpdfResponse{Body: bytes.NewReader(pdf), ContentLength: int64(len(pdf))}, nil
}

// invoicePDF renders a minimal one-page PDF naming the invoice.
func invoicePDF(inv *meteroidapi.Invoice) []byte {
	text := fmt.Sprintf("Invoice %s %s %d.%02d %s", inv.InvoiceNumber, inv.CustomerDetails.Name, inv.Total/100, inv.Total%100, inv.Currency)
	stream := fmt.Sprintf("BT /F1 12 Tf 72 720 Td (%s) Tj ET", text)
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	b.WriteString("1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n")
	b.WriteString("2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n")
	b.WriteString("3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >> endobj\n")
	fmt.Fprintf(&b, "4 0 obj << /Length %d >> stream\n%s\nendstream endobj\n", len(stream), stream)
	b.WriteString("5 0 obj << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> endobj\n")
	b.WriteString("%%EOF\n")
	return b.Bytes()
}

// Invoice returns a copy of the invoice with this id.
func (s *Server) Invoice(id string) (meteroidapi.Invoice, bool) {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	inv := s.st.invs.byID[id]
	if inv == nil {
		return meteroidapi.Invoice{}, false
	}
	return jsoncopy.Clone(*inv), true
}

// Invoices returns copies of every invoice, in creation order.
func (s *Server) Invoices() []meteroidapi.Invoice {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	out := make([]meteroidapi.Invoice, 0, len(s.st.invs.order))
	for _, id := range s.st.invs.order {
		out = append(out, jsoncopy.Clone(*s.st.invs.byID[id]))
	}
	return out
}
