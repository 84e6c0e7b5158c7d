package tighttest

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/mail"
	"strings"
	"time"

	"github.com/billbridge/billbridge/gen/tightapi"
	"github.com/billbridge/billbridge/gen/tightserver"
	"github.com/billbridge/billbridge/internal/jsoncopy"
	"github.com/billbridge/billbridge/pkg/fake"
)

// handler implements tightserver.StrictServerInterface over the state.
type handler struct{ st *state }

var _ tightserver.StrictServerInterface = (*handler)(nil)

// CreateToken issues an access token for the client credentials grant (the
// frame has checked the Basic credentials already).
func (h *handler) CreateToken(_ context.Context, req tightserver.CreateTokenRequestObject) (tightserver.CreateTokenResponseObject, error) {
	grant := tightapi.ClientCredentials
	if b := req.Body; b != nil && b.GrantType != nil && *b.GrantType != "" {
		grant = *b.GrantType
	}
	if grant != tightapi.ClientCredentials {
		return errorReply{http.StatusBadRequest, []tightapi.Error{errorOf(tightapi.INVALIDVALUE,
			fmt.Sprintf("grant_type %s is not supported: this fake serves client_credentials only", grant), "grant_type")}}, nil
	}
	scope := string(tightapi.Write)
	if b := req.Body; b != nil && b.Scope != nil && *b.Scope != "" {
		scope = string(*b.Scope)
	}
	st := h.st
	tok := "tok_" + fake.RandomHex(20)
	st.mu.Lock()
	st.tokens[tok] = &token{expires: st.cfg.Now().Add(st.cfg.TokenLifetime), scope: scope}
	st.mu.Unlock()
	// Round up, so that a sub-second lifetime does not read as "expired".
	secs := int32(math.Ceil(st.cfg.TokenLifetime.Seconds()))
	return tightserver.CreateToken200JSONResponse{AccessToken: tok, TokenType: "Bearer", ExpiresIn: secs, Scope: &scope}, nil
}

// forbidden refuses saves with a token of scope read (403).
func (h *handler) forbidden(ctx context.Context) *errorReply {
	r := requestOf(ctx)
	if r == nil {
		return nil
	}
	tok, _ := bearer(r)
	h.st.mu.Lock()
	defer h.st.mu.Unlock()
	if t := h.st.tokens[tok]; t != nil && t.scope == string(tightapi.Read) {
		return &errorReply{http.StatusForbidden, []tightapi.Error{errorOf(tightapi.INVALIDTOKEN,
			"the access token has scope read; saves need scope write", "scope")}}
	}
	return nil
}

// SaveCustomers upserts a batch of customers.
func (h *handler) SaveCustomers(ctx context.Context, req tightserver.SaveCustomersRequestObject) (tightserver.SaveCustomersResponseObject, error) {
	if e := h.forbidden(ctx); e != nil {
		return *e, nil
	}
	h.st.mu.Lock()
	defer h.st.mu.Unlock()
	res, whole := saveBatch(h.st, req.Body.Data, h.st.mergeCustomer, h.st.putCustomer, h.st.customerOut, "/customers/", func(o tightapi.Customer) string { return o.Id })
	if whole != nil {
		return errorReply{http.StatusBadRequest, whole}, nil
	}
	env := tightapi.CustomerSaveEnvelope{Result: tightapi.SUCCESS, Data: make([]tightapi.CustomerItemResult, len(res)), Error: &[]tightapi.Error{}}
	for i, r := range res {
		env.Data[i] = tightapi.CustomerItemResult(r)
		if r.Result == tightapi.FAILURE {
			env.Result = tightapi.FAILURE
		}
	}
	if env.Result == tightapi.FAILURE {
		return tightserver.SaveCustomers207JSONResponse(env), nil
	}
	return tightserver.SaveCustomers200JSONResponse(env), nil
}

// SaveInvoices upserts a batch of invoices.
func (h *handler) SaveInvoices(ctx context.Context, req tightserver.SaveInvoicesRequestObject) (tightserver.SaveInvoicesResponseObject, error) {
	if e := h.forbidden(ctx); e != nil {
		return *e, nil
	}
	h.st.mu.Lock()
	defer h.st.mu.Unlock()
	res, whole := saveBatch(h.st, req.Body.Data, h.st.mergeInvoice, h.st.putInvoice, h.st.invoiceOut, "/invoicing/invoices/", func(o tightapi.Invoice) string { return o.Id })
	if whole != nil {
		return errorReply{http.StatusBadRequest, whole}, nil
	}
	env := tightapi.InvoiceSaveEnvelope{Result: tightapi.SUCCESS, Data: make([]tightapi.InvoiceItemResult, len(res)), Error: &[]tightapi.Error{}}
	for i, r := range res {
		env.Data[i] = tightapi.InvoiceItemResult(r)
		if r.Result == tightapi.FAILURE {
			env.Result = tightapi.FAILURE
		}
	}
	if env.Result == tightapi.FAILURE {
		return tightserver.SaveInvoices207JSONResponse(env), nil
	}
	return tightserver.SaveInvoices200JSONResponse(env), nil
}

// itemResult is one item's answer in a save batch; each entity's
// <Entity>ItemResult has this shape, so a conversion gives it.
type itemResult[Out any] struct {
	Data       *Out
	Error      *[]tightapi.Error
	Result     tightapi.EnvelopeResult
	StatusCode int32
}

// saveBatch applies a save batch as Tight does; callers hold mu. With
// RejectWholeBatch, any invalid item refuses the whole batch: whole holds
// every item's errors under data/<i>/, and nothing is stored. Otherwise each
// valid item is merged, stored and announced (ENTITY_UPDATE on prefix+id),
// and each invalid one answers 400 with its errors, in input order.
func saveBatch[In, S, Out any](st *state, items []In, merge func(In) (S, []tightapi.Error), put func(S), answer func(S) Out,
	prefix string, id func(Out) string) (res []itemResult[Out], whole []tightapi.Error) {
	if st.cfg.RejectWholeBatch {
		for i, it := range items {
			_, errs := merge(it)
			whole = append(whole, inItem(i, errs)...)
		}
		if len(whole) > 0 {
			return nil, whole
		}
	}
	res = make([]itemResult[Out], 0, len(items))
	for _, it := range items {
		s, errs := merge(it)
		if len(errs) > 0 {
			res = append(res, itemResult[Out]{Result: tightapi.FAILURE, StatusCode: http.StatusBadRequest, Error: &errs})
			continue
		}
		put(s)
		out := answer(s)
		st.entityUpdate(prefix+id(out), out)
		res = append(res, itemResult[Out]{Result: tightapi.SUCCESS, StatusCode: http.StatusOK, Data: &out, Error: &[]tightapi.Error{}})
	}
	return res, nil
}

// inItem prefixes the params of item i's errors with "data/<i>/", as a
// whole-batch refusal names them.
func inItem(i int, errs []tightapi.Error) []tightapi.Error {
	for k := range errs {
		p := fmt.Sprintf("data/%d", i)
		if errs[k].Param != nil && *errs[k].Param != "" {
			p += "/" + *errs[k].Param
		}
		errs[k].Param = &p
	}
	return errs
}

// mergeCustomer returns the customer item it would store (merged over the
// stored one when it names one) and its errors. Callers hold mu.
func (st *state) mergeCustomer(it tightapi.CustomerInput) (*tightapi.CustomerInput, []tightapi.Error) {
	// Not a deep copy: the item was decoded for this request alone, and
	// what is stored is never changed in place (a save replaces it,
	// customerOut copies it out).
	c := it
	if it.Id != nil && *it.Id != "" {
		if old, ok := st.customers[*it.Id]; ok {
			c = overlay(*old, it)
		}
	}
	var errs []tightapi.Error
	if c.Name == nil || strings.TrimSpace(*c.Name) == "" {
		errs = append(errs, errorOf(tightapi.REQUIRED, "name is required", "name"))
	}
	if c.Email != nil && !looksLikeEmail(*c.Email) {
		errs = append(errs, errorOf(tightapi.INVALIDFORMAT, fmt.Sprintf("email %q is not an e-mail address", *c.Email), "email"))
	}
	return &c, errs
}

// looksLikeEmail accepts a bare address with a dotted domain.
func looksLikeEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return false
	}
	_, domain, _ := strings.Cut(s, "@")
	return strings.Contains(domain, ".") && !strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".")
}

// putCustomer stores c, giving it an id when it has none. Callers hold mu.
func (st *state) putCustomer(c *tightapi.CustomerInput) {
	if c.Id == nil || *c.Id == "" {
		id := st.newID("cus", func(id string) bool { _, ok := st.customers[id]; return ok })
		c.Id = &id
	}
	if _, ok := st.customers[*c.Id]; !ok {
		st.customerOrder = append(st.customerOrder, *c.Id)
		st.created++
		st.customerMeta[*c.Id] = &customerMeta{seq: st.created, at: st.cfg.Now().UTC().Truncate(time.Second)}
	}
	st.customers[*c.Id] = c
}

// customerOut is the response shape of a stored customer. Callers hold mu.
func (st *state) customerOut(c *tightapi.CustomerInput) tightapi.Customer {
	out := jsoncopy.Convert[tightapi.Customer](*c)
	if out.Address == nil {
		out.Address = &tightapi.CustomerAddress{}
	}
	usa := "USA" // the documents show only USA; the fake knows no other country
	out.Address.CountryCode = &usa
	if m := st.customerMeta[out.Id]; m != nil {
		out.CreatedDateTime = ptr(m.at)
		if len(m.segments) > 0 {
			out.ClassSegments = ptr(jsoncopy.Clone(m.segments))
		}
	}
	return out
}

// mergeInvoice returns the invoice item it would store (merged over the
// stored one when it names one) and its errors. Callers hold mu.
func (st *state) mergeInvoice(it tightapi.InvoiceInput) (*storedInvoice, []tightapi.Error) {
	si := &storedInvoice{in: jsoncopy.Clone(it)}
	if it.Id != nil && *it.Id != "" {
		if old, ok := st.invoices[*it.Id]; ok {
			si = &storedInvoice{in: overlay(old.in, it), paid: old.paid}
		}
	}
	var errs []tightapi.Error
	switch id := si.in.CustomerId; {
	case id == nil || *id == "":
		errs = append(errs, errorOf(tightapi.REQUIRED, "customerId is required", "customerId"))
	case st.customers[*id] == nil:
		errs = append(errs, errorOf(tightapi.INVALIDVALUE, fmt.Sprintf("customerId %s does not name a customer", *id), "customerId"))
	}
	_, _, terrs := computeTotals(&si.in, si.paid)
	return si, append(errs, terrs...)
}

// putInvoice stores si, giving ids to the invoice, its lines and its
// installments where they have none. Callers hold mu.
func (st *state) putInvoice(si *storedInvoice) {
	in := &si.in
	if in.Id == nil || *in.Id == "" {
		id := st.newID("inv", func(id string) bool { _, ok := st.invoices[id]; return ok })
		in.Id = &id
	}
	if in.LineItems != nil {
		for j := range *in.LineItems {
			if li := &(*in.LineItems)[j]; li.Id == nil || *li.Id == "" {
				id := st.newID("ili", nil)
				li.Id = &id
			}
		}
	}
	if in.Installments != nil {
		for j := range *in.Installments {
			if is := &(*in.Installments)[j]; is.Id == nil || *is.Id == "" {
				id := st.newID("istl", nil)
				is.Id = &id
			}
		}
	}
	if old, ok := st.invoices[*in.Id]; ok {
		si.seq, si.sends, si.sentAt, si.sentType = old.seq, old.sends, old.sentAt, old.sentType
	} else {
		st.invoiceOrder = append(st.invoiceOrder, *in.Id)
		st.created++
		si.seq = st.created
	}
	st.invoices[*in.Id] = si
}

// invoiceOut is the response shape of a stored invoice. Callers hold mu.
func (st *state) invoiceOut(si *storedInvoice) tightapi.Invoice {
	out := jsoncopy.Convert[tightapi.Invoice](si.in)
	if id := si.in.CustomerId; id != nil {
		ic := tightapi.InvoiceCustomer{Id: ptr(*id)}
		if c := st.customers[*id]; c != nil {
			ic.Name, ic.Email = c.Name, c.Email
		}
		out.Customer = &ic
	}
	totals, amounts, _ := computeTotals(&si.in, si.paid)
	if out.LineItems != nil {
		for j := range *out.LineItems {
			li := &(*out.LineItems)[j]
			li.Amount = ptr(amounts[j])
			if g := (*si.in.LineItems)[j].GlAccountId; g != nil {
				li.GlAccount = &tightapi.GlAccount{Id: ptr(*g)}
			}
		}
	}
	out.Totals = &totals
	if out.CollectionInfo == nil {
		out.CollectionInfo = &tightapi.CollectionInfo{}
	}
	out.CollectionInfo.PaymentUrl = ptr(st.baseURL + "/pay/" + out.Id)
	switch {
	case si.sends > 0 && st.cfg.EmailInProgress:
		out.CollectionInfo.EmailStatus = ptr("QUEUED")
	case si.sends > 0:
		out.CollectionInfo.EmailStatus = ptr("SENT")
		out.CollectionInfo.EmailSentDatetime = ptr(si.sentAt)
	}
	return out
}

// overlay returns base with the top-level fields present in in replacing
// its own: an update changes what it sends and keeps the rest.
func overlay[T any](base, in T) T {
	m := map[string]json.RawMessage{}
	mustJSON(json.Unmarshal(mustMarshal(base), &m))
	top := map[string]json.RawMessage{}
	mustJSON(json.Unmarshal(mustMarshal(in), &top))
	for k, v := range top {
		m[k] = v
	}
	var out T
	mustJSON(json.Unmarshal(mustMarshal(m), &out))
	return out
}

func mustMarshal(v any) []byte {
	b, err := json.Marshal(v)
	mustJSON(err)
	return b
}

// mustJSON panics on an error that would mean a bug in the fake: the values
// came from JSON and the generated types round-trip.
func mustJSON(err error) {
	if err != nil {
		panic("tighttest: " + err.Error())
	}
}

func ptr[T any](v T) *T { return &v }
