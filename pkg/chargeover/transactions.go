package chargeover

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"math"
	"net/http"
	"net/url"
	"slices"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/gen/chargeoverapi"
	"github.com/billbridge/billbridge/internal/batch"
	"github.com/billbridge/billbridge/internal/engine"
	"github.com/billbridge/billbridge/pkg/option"
)

// Transaction models, re-exported from the generated package.
type (
	// TransactionCreate is the body of a transaction create: a payment,
	// refund or credit of a customer (by CustomerId or CustomerExternalKey),
	// applied to invoices (AppliedTo), keyed by GatewayTransid.
	TransactionCreate = chargeoverapi.TransactionCreate
	// TransactionApplication is one invoice a TransactionCreate is applied
	// to (by InvoiceId or InvoiceExternalKey), with the amount Applied.
	TransactionApplication = chargeoverapi.TransactionAppliedCreate
	// TransactionType is pay, refund or credit.
	TransactionType = chargeoverapi.TransactionType
	// Transaction is a transaction as ChargeOver returns it.
	Transaction = chargeoverapi.Transaction
)

// Transaction types.
const (
	TransactionPay    = chargeoverapi.TransactionTypePay
	TransactionRefund = chargeoverapi.TransactionTypeRefund
	TransactionCredit = chargeoverapi.TransactionTypeCredit
)

// TransactionQuery is what ListTransactions reads: conditions on fields of
// the Transaction read schema (customer_id, gateway_transid,
// transaction_type, ...), the order (transaction_id ascending by default,
// and the tie-breaker) and the page size (0: DefaultPageSize).
type TransactionQuery struct {
	// Where are the conditions; none lists every transaction.
	Where []Condition
	// Order sorts the result; empty means transaction_id ascending.
	Order []SortKey
	// PageSize is the number of transactions per request.
	PageSize int
}

const (
	opCreateTransaction = "createTransaction"
	opGetTransaction    = "getTransaction"
	opListTransactions  = "listTransactions"
	transactionURI      = "/api/v3/transaction"
)

// ValidateTransaction checks a transaction create as every create does
// before sending: the spec's TransactionCreate schema, exactly one of
// customer_id and customer_external_key, exactly one of invoice_id and
// invoice_external_key per applied_to entry, and amounts (amount, applied)
// in whole cents. It returns a
// *billbridge.ValidationError (Index 0) naming the field, or nil.
func ValidateTransaction(in TransactionCreate) error { return checkTransaction(0, in) }

func checkTransaction(index int, in TransactionCreate) error {
	if err := checkWith(transactionSchema, index, in); err != nil {
		return err
	}
	switch {
	case in.CustomerId == nil && in.CustomerExternalKey == nil:
		return &billbridge.ValidationError{Index: index, Field: "customer_id", Reason: "give customer_id or customer_external_key"}
	case in.CustomerId != nil && in.CustomerExternalKey != nil:
		return &billbridge.ValidationError{Index: index, Field: "customer_external_key", Reason: "give customer_id or customer_external_key, not both"}
	}
	if in.Amount != nil && !wholeCents(*in.Amount) {
		return fractionOfCent(index, "amount", *in.Amount)
	}
	if in.AppliedTo != nil {
		for i, a := range *in.AppliedTo {
			if (a.InvoiceId == nil) == (a.InvoiceExternalKey == nil) {
				return &billbridge.ValidationError{Index: index, Field: fmt.Sprintf("applied_to/%d/invoice_id", i), Reason: "give exactly one of invoice_id and invoice_external_key"}
			}
			if a.Applied != nil && !wholeCents(*a.Applied) {
				return fractionOfCent(index, fmt.Sprintf("applied_to/%d/applied", i), *a.Applied)
			}
		}
	}
	return nil
}

// wholeCents reports whether an amount in dollars is a whole number of
// cents (29.95 is, though 29.95 × 100 is not exactly 2995 in binary).
func wholeCents(v float64) bool {
	c := v * 100
	return math.Abs(c-math.Round(c)) < 1e-6
}

// fractionOfCent refuses an amount ChargeOver would round: stored to the
// cent, it would differ from the item at every re-run, and at the
// read-back of a lost answer (a conflict, not the item's own transaction).
func fractionOfCent(index int, field string, v float64) error {
	return &billbridge.ValidationError{Index: index, Field: field,
		Reason: fmt.Sprintf("%v is not a whole number of cents (ChargeOver keeps amounts to the cent, so the transaction would never match its item again)", v)}
}

// transactionComparer compares a transaction create with a stored one:
// every field of the spec's TransactionCreate but its writeOnly ones (the
// *_external_key references).
var transactionComparer = comparerOf(transactionSchema)

// transactionSchema is the spec's TransactionCreate.
var transactionSchema = schemaOf("TransactionCreate")

// transactionKeyed is the keyed create of transactions, by gateway_transid.
// ChargeOver does not keep gateway_transid unique, so the key is never
// "taken" (no KeyTaken): the lookup before the create, and the read-back
// after a lost answer, are what keep a transaction from being recorded
// twice. Two transactions found under one key are a conflict.
func (c *Client) transactionKeyed() *engine.Keyed[TransactionCreate, Transaction, int64] {
	return &engine.Keyed[TransactionCreate, Transaction, int64]{
		Engine: c.e, Op: opCreateTransaction, KeyName: "gateway_transid", Entity: "transaction",
		Compare: transactionComparer(),
		ID:      func(t Transaction) string { return t.TransactionId.String() },
		Value:   func(t Transaction) int64 { return idOf(t.TransactionId) },
		Pages: func() engine.PageFunc[Transaction] {
			q := CustomerQuery{PageSize: MaxPageSize}
			order, _, _ := q.orderBy("transaction_id")
			limit := int32(MaxPageSize)
			return engine.Walk(int64(0), pageFetch[Transaction](c, opListTransactions, MaxPageSize, listParams{order: &order, limit: &limit}, c.sendListTransactions))
		},
		Lookup:     bulkLookup[TransactionCreate, Transaction](c, opListTransactions, transactionKeyURI, true),
		PerRequest: MaxBatchSize,
		Create:     bulkCreate[TransactionCreate](c, transactionURI),
		Rounds:     c.rounds,
	}
}

// transactionKeyURI is the list of the transactions holding a
// gateway_transid.
func transactionKeyURI(key string) string {
	return transactionURI + "?where=" + url.QueryEscape("gateway_transid:EQUALS:"+escapeValue(key)) + "&limit=" + fmt.Sprint(MaxPageSize)
}

func (c *Client) sendListTransactions(ctx context.Context, p listParams) (*http.Response, error) {
	return c.API.ListTransactions(ctx, &chargeoverapi.ListTransactionsParams{Where: p.where, Order: p.order, Offset: p.offset, Limit: p.limit})
}

func (c *Client) beginTransactions(ctx context.Context, expected int) *engine.KeyedCall[TransactionCreate, Transaction, int64] {
	return c.transactionKeyed().Begin(ctx, func(in TransactionCreate) string { return deref(in.GatewayTransid) },
		func(t Transaction) string { return deref(t.GatewayTransid) }, expected)
}

// CreateTransactions records transactions (payments, refunds, credits)
// through POST /api/v3/_bulk, up to 25 per call, and returns one result per
// item in input order: Value is the transaction_id, ID the same in decimal.
// A payment's AppliedTo lowers the balance of each invoice it names (by
// invoice_id or invoice_external_key); an invoice paid in full becomes
// closed-paid.
//
// gateway_transid is a transaction's only natural key, and ChargeOver does
// not keep it unique. Items that carry one are keyed writes, as
// CreateCustomers' (see option.WithMode): the transactions holding the key
// are looked up first (walking the transaction pages, or 25 keys per _bulk
// call of where=gateway_transid:EQUALS:…); one found with the item's data is
// Unchanged and nothing is sent, one with other data (or two) a conflict; a
// create whose answer is lost is read back by its key and, absent, sent
// again. Items WITHOUT a gateway_transid cannot be found again: a lost
// answer leaves them with an error wrapping billbridge.ErrOutcomeUnknown
// (outcome_unknown in the CLI), and they are never sent again blindly,
// since a second payment would be recorded. Give every transaction its
// gateway's id.
func (c *Client) CreateTransactions(ctx context.Context, txs []TransactionCreate, opts ...option.RequestOption) []billbridge.Result[int64] {
	ctx = c.e.Context(ctx, opts)
	kc := c.beginTransactions(ctx, len(txs))
	for range kc.Unique(slices.Values(txs)) {
	}
	return batch.Run(ctx, txs, c.e.BatchOptions(c.e.BatchSize), keyedWith(kc, checkTransaction, bulkCreate[TransactionCreate](c, transactionURI)))
}

// CreateTransactionsSeq is CreateTransactions over a stream, in bounded
// memory; results come in input order as they complete.
func (c *Client) CreateTransactionsSeq(ctx context.Context, txs iter.Seq[TransactionCreate], opts ...option.RequestOption) iter.Seq[billbridge.Result[int64]] {
	ctx = c.e.Context(ctx, opts)
	kc := c.beginTransactions(ctx, 0)
	return batch.Stream(ctx, kc.Unique(txs), -1, c.e.BatchOptions(c.e.BatchSize), keyedWith(kc, checkTransaction, bulkCreate[TransactionCreate](c, transactionURI)))
}

// CreateTransaction records one transaction through POST
// /api/v3/transaction, with the rules of CreateTransactions, and returns
// its transaction_id.
func (c *Client) CreateTransaction(ctx context.Context, tx TransactionCreate, opts ...option.RequestOption) (int64, error) {
	ctx = c.e.Context(ctx, opts)
	send := func(ctx context.Context, in TransactionCreate) (*http.Response, error) {
		return c.API.CreateTransaction(ctx, in)
	}
	r := keyedWith(c.beginTransactions(ctx, 1), checkTransaction, directCreate(c, opCreateTransaction, send))(ctx, []batch.Item[TransactionCreate]{{Value: tx}})[0]
	return r.Value, r.Err
}

// GetTransaction reads the transaction with this transaction_id (GET
// /api/v3/transaction/{transaction_id}). A missing one matches
// errors.Is(err, billbridge.ErrNotFound); an id below 1 is a
// *billbridge.ValidationError and nothing is sent.
func (c *Client) GetTransaction(ctx context.Context, id int64, opts ...option.RequestOption) (*Transaction, error) {
	if id < 1 {
		return nil, &billbridge.ValidationError{Field: "transaction_id", Reason: "must be at least 1"}
	}
	return readOne[Transaction](c.e.Context(ctx, opts), c, opGetTransaction, func(ctx context.Context) (*http.Response, error) {
		return c.API.GetTransaction(ctx, id)
	})
}

// ListTransactions walks every transaction matching q (GET
// /api/v3/transaction), one page request at a time, and yields each once;
// the paging guarantees are ListCustomers', with transaction_id in place of
// customer_id.
func (c *Client) ListTransactions(ctx context.Context, q TransactionQuery, opts ...option.RequestOption) iter.Seq2[Transaction, error] {
	return listWalk(c.e.Context(ctx, opts), c, CustomerQuery(q), "transaction_id", opListTransactions, c.sendListTransactions,
		func(t Transaction) json.Number { return t.TransactionId })
}
