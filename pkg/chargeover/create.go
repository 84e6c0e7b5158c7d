package chargeover

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/gen/chargeoverapi"
	"github.com/billbridge/billbridge/internal/engine"
	"github.com/billbridge/billbridge/internal/validate"
)

// customerRules is how ChargeOver stores what it is sent, for the
// comparison of a create with the customer found under its external_key:
// surrounding spaces trimmed, booleans as 0/1, numbers by value, e-mail
// addresses without regard to case, tags in no order.
var customerRules = engine.Rules{Normalize: normal}

// customerComparer compares a create with a stored customer: every field
// of the spec's CustomerCreate but its writeOnly ones.
var customerComparer = sync.OnceValue(func() *engine.Comparer {
	return engine.NewComparer(validate.WriteOnlyOf(loadValidators, 0), customerRules)
})

type createCall = engine.KeyedCall[CustomerCreate, Customer, int64]

// keyed is the keyed create of customers, built once per client.
func (c *Client) keyed() *engine.Keyed[CustomerCreate, Customer, int64] {
	c.keyedOnce.Do(func() {
		c.keyedCreate = &engine.Keyed[CustomerCreate, Customer, int64]{
			Engine: c.e, Op: opCreate, KeyName: "external_key", Entity: "customer",
			Compare: customerComparer(),
			ID:      func(cust Customer) string { return cust.CustomerId.String() },
			Value: func(cust Customer) int64 {
				id, _ := cust.CustomerId.Int64()
				return id
			},
			Pages: func() engine.PageFunc[Customer] {
				order := "customer_id:ASC"
				limit := int32(MaxPageSize)
				return engine.Walk(int64(0), c.customerPages(chargeoverapi.ListCustomersParams{Order: &order, Limit: &limit}, MaxPageSize))
			},
			Lookup:     c.lookupKeys,
			PerRequest: MaxBatchSize,
			// A refusal of a keyed create may be "external_key in use":
			// the customer holding it tells.
			KeyTaken: func(r billbridge.Result[int64]) bool { return r.Status == http.StatusBadRequest },
			Update:   c.updateFound,
			Rounds:   c.rounds,
		}
	})
	return c.keyedCreate
}

func (c *Client) beginCreate(ctx context.Context, expected int) *createCall {
	return c.keyed().Begin(ctx, externalKey, func(cust Customer) string { return deref(cust.ExternalKey) }, expected)
}

func externalKey(item CustomerCreate) string { return deref(item.ExternalKey) }

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// lookupKeys reads the customers holding the items' external keys, 25 GET
// sub-requests per _bulk call.
func (c *Client) lookupKeys(ctx context.Context, key func(CustomerCreate) string, _ func(Customer) string, items []CustomerCreate) (map[string][]Customer, int, error) {
	found := map[string][]Customer{}
	attempts := 0
	var lastErr error
	if len(items) == 1 {
		// One key: the plain GET, no _bulk envelope.
		k := key(items[0])
		cust, n, err := c.getByKey(ctx, k)
		switch {
		case err == nil:
			found[k] = []Customer{*cust}
		case errors.Is(err, billbridge.ErrNotFound):
			found[k] = nil
		default:
			return nil, n, err
		}
		return found, n, nil
	}
	for chunk := range slices.Chunk(items, MaxBatchSize) {
		body := make(chargeoverapi.BulkRequest, len(chunk))
		for i, it := range chunk {
			body[i] = chargeoverapi.BulkSubRequest{RequestMethod: chargeoverapi.BulkGET, Uri: "/api/v3/customer/external_key:" + url.PathEscape(key(it))}
		}
		call := engine.Call{Op: opBulk, Send: func(ctx context.Context) (*http.Response, error) { return c.API.Bulk(ctx, body) }}
		ans, err := c.e.Call(ctx, call)
		attempts += ans.Attempts
		if err != nil {
			lastErr = err // these keys stay unsettled; the other chunks go on
			continue
		}
		subs, derr := decodeBulk(ans.Body, len(chunk))
		if derr != nil {
			lastErr = c.e.Undecodable(call, ans, derr)
			continue
		}
		for i, sub := range subs {
			k := key(chunk[i])
			switch code := int(sub.Code); {
			case code == http.StatusOK && sub.Response != nil:
				var cust Customer
				if err := json.Unmarshal(*sub.Response, &cust); err != nil {
					lastErr = c.e.Undecodable(call, ans, fmt.Errorf("customer of external_key %q: %w", k, err))
					continue
				}
				found[k] = []Customer{cust}
			case code == http.StatusNotFound:
				found[k] = nil
			default:
				msg := ""
				if sub.Message != nil {
					msg = *sub.Message
				}
				lastErr = c.e.Refused(opGet, code, "", msg, "")
			}
		}
	}
	return found, attempts, lastErr
}

// updateFound updates customers found holding other data than their items
// (ModeUpsert): one PUT sub-request each, with the item's fields.
func (c *Client) updateFound(ctx context.Context, found []Customer, items []CustomerCreate, _ [][]billbridge.Change, res []billbridge.Result[int64]) {
	var pending []*pendingUpdate
	for i, item := range items {
		id, err := found[i].CustomerId.Int64()
		if err != nil {
			res[i].Err = &billbridge.APIError{Provider: Provider, Operation: opUpdate, Message: fmt.Sprintf("unreadable customer_id %q", found[i].CustomerId), Err: err}
			continue
		}
		var changes CustomerChanges
		raw, _ := json.Marshal(item)
		if err := json.Unmarshal(raw, &changes); err != nil {
			res[i].Err = err
			continue
		}
		pending = append(pending, &pendingUpdate{item: CustomerUpdate{ID: id, Customer: changes}, res: &res[i]})
	}
	c.sendUpdateRounds(ctx, pending)
}

// getByKey reads a customer by external_key and reports the attempts made.
func (c *Client) getByKey(ctx context.Context, key string) (*Customer, int, error) {
	if key == "" {
		return nil, 0, &billbridge.ValidationError{Field: "external_key", Reason: "must not be empty"}
	}
	return c.readCustomer(ctx, opGet, func(ctx context.Context) (*http.Response, error) {
		return c.API.GetCustomerByExternalKey(ctx, key)
	})
}

// readCustomer sends a read of one customer (operation op) and decodes its
// envelope.
func (c *Client) readCustomer(ctx context.Context, op string, send func(context.Context) (*http.Response, error)) (*Customer, int, error) {
	call := engine.Call{Op: op, Send: send}
	ans, err := c.e.Call(ctx, call)
	if err != nil {
		return nil, ans.Attempts, err
	}
	var env chargeoverapi.CustomerResponse
	if err := json.Unmarshal(ans.Body, &env); err != nil || ans.Status != http.StatusOK {
		if err == nil {
			err = fmt.Errorf("unexpected HTTP %d", ans.Status)
		}
		return nil, ans.Attempts, c.e.Undecodable(call, ans, err)
	}
	return &env.Response, ans.Attempts, nil
}

// sendBulk sends items as one POST /api/v3/_bulk of create sub-requests
// and fills res.
func (c *Client) sendBulk(ctx context.Context, items []CustomerCreate, res []billbridge.Result[int64]) {
	body := make(chargeoverapi.BulkRequest, len(items))
	for i, item := range items {
		raw, err := json.Marshal(item)
		if err != nil { // cannot happen for the generated type; be safe
			raw = []byte("{}")
		}
		payload := json.RawMessage(raw)
		body[i] = chargeoverapi.BulkSubRequest{RequestMethod: chargeoverapi.BulkPOST, Uri: "/api/v3/customer", Payload: &payload}
	}
	c.bulk(ctx, res, func(ctx context.Context) (*http.Response, error) { return c.API.Bulk(ctx, body) })
}

// bulk sends one _bulk call of creates and maps its answer onto res.
func (c *Client) bulk(ctx context.Context, res []billbridge.Result[int64], send func(context.Context) (*http.Response, error)) {
	call := engine.Call{Op: opBulk, Unsafe: true, Send: send}
	ans, err := c.e.Call(ctx, call)
	for i := range res {
		res[i].Attempts += ans.Attempts
		res[i].RequestID = ans.RequestID
	}
	if err != nil {
		setAll(res, err, ans.Status)
		return
	}
	subs, derr := decodeBulk(ans.Body, len(res))
	if derr != nil {
		setAll(res, c.e.Undecodable(call, ans, derr), ans.Status)
		return
	}
	for i := range res {
		c.applySub(&res[i], subs[i])
	}
}

// decodeBulk reads a _bulk answer that must hold one result per
// sub-request: with more or fewer, nobody can tell which result belongs to
// which item.
func decodeBulk(body []byte, n int) ([]chargeoverapi.BulkItemResult, error) {
	var env chargeoverapi.BulkResultResponse
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, err
	}
	switch {
	case env.Response.Bulk == nil:
		return nil, errors.New("the answer holds no _bulk list")
	case len(env.Response.Bulk) != n:
		return nil, fmt.Errorf("the answer holds %d results for %d sub-requests", len(env.Response.Bulk), n)
	}
	return env.Response.Bulk, nil
}

// applySub maps one create sub-request's result onto its item's result.
func (c *Client) applySub(r *billbridge.Result[int64], sub chargeoverapi.BulkItemResult) {
	code := int(sub.Code)
	r.Status = code
	msg := ""
	if sub.Message != nil {
		msg = *sub.Message
	}
	switch {
	case code == http.StatusCreated:
		var created chargeoverapi.CreatedId
		var raw []byte
		if sub.Response != nil {
			raw = *sub.Response
		}
		id, err := int64(0), json.Unmarshal(raw, &created)
		if err == nil {
			id, err = strconv.ParseInt(created.Id.String(), 10, 64)
		}
		if err != nil {
			// Created, but the id is unreadable: a keyed item is read back.
			r.Err = c.e.Unknown(c.e.Refused(opBulk, code, "", "created, but the answer carries no readable id", ""), err)
			return
		}
		r.Value, r.ID, r.Err = id, strconv.FormatInt(id, 10), nil
	case code >= 500 || code == http.StatusRequestTimeout || code == 0:
		r.Err = c.e.Unknown(c.e.Refused(opBulk, code, "", msg, ""), nil)
	default:
		// A 429 wraps billbridge.ErrNotSent: refused before acting, sent
		// again in the next round.
		r.Err = c.e.Refused(opBulk, code, "", msg, "")
	}
}

// sendOne sends items one at a time as POST /api/v3/customer and fills
// res.
func (c *Client) sendOne(ctx context.Context, items []CustomerCreate, res []billbridge.Result[int64]) {
	for i, item := range items {
		c.createOne(ctx, &res[i], func(ctx context.Context) (*http.Response, error) { return c.API.CreateCustomer(ctx, item) })
	}
}

// createOne sends one createCustomer and maps its answer onto r.
func (c *Client) createOne(ctx context.Context, r *billbridge.Result[int64], send func(context.Context) (*http.Response, error)) {
	c.createOneAs(ctx, opCreate, r, send)
}

// createOneAs sends one create (operation op) and maps its answer onto r.
func (c *Client) createOneAs(ctx context.Context, op string, r *billbridge.Result[int64], send func(context.Context) (*http.Response, error)) {
	call := engine.Call{Op: op, Unsafe: true, Send: send}
	ans, err := c.e.Call(ctx, call)
	r.Attempts, r.RequestID = r.Attempts+ans.Attempts, ans.RequestID
	if err != nil {
		r.Err, r.Status = err, ans.Status
		return
	}
	r.Status = ans.Status
	var env chargeoverapi.CreatedResponse
	derr := json.Unmarshal(ans.Body, &env)
	var id int64
	if derr == nil {
		id, derr = strconv.ParseInt(env.Response.Id.String(), 10, 64)
	}
	if derr != nil || ans.Status != http.StatusCreated {
		if derr == nil {
			derr = fmt.Errorf("unexpected HTTP %d", ans.Status)
		}
		r.Err = c.e.Undecodable(call, ans, derr)
		return
	}
	r.Value, r.ID, r.Err = id, strconv.FormatInt(id, 10), nil
}

// setAll gives every result the same error, one value each.
func setAll(res []billbridge.Result[int64], err error, status int) {
	for i := range res {
		res[i].Err, res[i].Status = engine.Clone(err), status
	}
}
