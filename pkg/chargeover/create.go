package chargeover

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/gen/chargeoverapi"
	"github.com/billbridge/billbridge/internal/engine"
)

// state is where one item stands after an attempt.
type state int

const (
	done   state = iota // res is final
	unsure              // the create may or may not have happened (res.Err says why)
	resend              // surely not created (429, or read back and not found)
)

// work is one item on its way through the rounds of a create.
type work struct {
	item  CustomerCreate
	key   string // external_key, "" when the item has none
	res   billbridge.Result[int64]
	state state
	// tried: an earlier attempt of ours for this item may have created it,
	// so a later "key in use" refusal may be our own doing.
	tried bool
}

// sender sends each item of ws once and sets its state and res.
type sender func(ctx context.Context, ws []*work)

// create runs rounds of send until every item is settled: items whose
// outcome is unknown are read back by external_key (found: success,
// Existing; not found: sent again), items without a key end as
// ErrOutcomeUnknown. At most c.rounds sends per item, so nothing loops
// forever against a failing server.
func (c *Client) create(ctx context.Context, ws []*work, send sender) {
	pending := ws
	for round := 1; len(pending) > 0; round++ {
		if err := ctx.Err(); err != nil {
			// Every pending item is surely not created (never sent, a 429,
			// or read back and not found): safe to send again later.
			for _, w := range pending {
				w.res.Err, w.res.Status = c.e.NotSent(opBulk, err), 0
			}
			return
		}
		send(ctx, pending)
		var next []*work
		for _, w := range pending {
			switch {
			case w.state == unsure && w.key != "":
				c.settle(ctx, w)
			case w.state == done && w.res.Status == http.StatusBadRequest && w.key != "":
				// Refused; if because the key is in use (by an earlier
				// attempt of ours, or an earlier run), the stored customer
				// tells whether it is this item: the same data is the item,
				// other data a conflict.
				refused := w.res
				c.settle(ctx, w)
				if w.state != done || w.res.Err != nil && !errors.Is(w.res.Err, billbridge.ErrConflict) {
					// No customer holds the key (or it cannot be read):
					// the refusal stands.
					refused.Attempts = w.res.Attempts
					w.state, w.res = done, refused
				}
			}
			if w.state == resend {
				next = append(next, w)
			}
		}
		if round >= c.rounds {
			for _, w := range next {
				// Not created: res.Err holds the last definite reason.
				w.state = done
			}
			return
		}
		pending = next
	}
}

// settle reads an item whose create may have happened back by its
// external_key: found holding the item's data (see differs), it succeeds as
// Existing; found holding other data, it is a conflict (wrapping
// billbridge.ErrConflict, naming the customer and the first differing
// field); not found, it is to be sent again; a failed read leaves the
// outcome unknown.
func (c *Client) settle(ctx context.Context, w *work) {
	status := engine.ConflictStatus(w.res.Status, http.StatusOK) // of the answer that shows a conflict
	cust, attempts, err := c.getByKey(ctx, w.key)
	w.res.Attempts += attempts
	switch {
	case err == nil:
		id, perr := strconv.ParseInt(cust.CustomerId.String(), 10, 64)
		if perr != nil {
			w.state, w.res.Err = done, fmt.Errorf("%w (read back by external_key %q: unreadable customer_id %q)", w.res.Err, w.key, cust.CustomerId)
			return
		}
		w.state, w.tried = done, true
		if field, stored, sent := differs(w.item, *cust); field != "" {
			// Someone else's customer under this key: never a success.
			w.res.Err = &billbridge.APIError{Provider: Provider, Operation: opCreate, StatusCode: status,
				Code: "conflict", Param: field, Err: billbridge.ErrConflict,
				Message: fmt.Sprintf("external_key %q is in use by customer %d, whose %s differs (stored %q, sent %q)", w.key, id, field, stored, sent)}
			w.res.Status = status
			c.e.Logger.DebugContext(ctx, "chargeover: key in use by another customer", "external_key", w.key, "customer_id", id, "field", field)
			return
		}
		w.res.Value, w.res.ID, w.res.Err, w.res.Status, w.res.Existing = id, strconv.FormatInt(id, 10), nil, http.StatusOK, true
		c.e.Logger.DebugContext(ctx, "chargeover: create settled by reading back: found", "external_key", w.key, "customer_id", id)
	case errors.Is(err, billbridge.ErrNotFound):
		// Our attempt did not create it: sending again cannot duplicate.
		// If no round is left, this is the item's (definite) error.
		w.state, w.tried = resend, true
		w.res.Err = &billbridge.APIError{Provider: Provider, Operation: opGet, StatusCode: http.StatusNotFound, Retryable: true,
			Message: fmt.Sprintf("not created: the create's outcome was unknown and no customer has external_key %q (safe to send again)", w.key)}
		w.res.Status = 0
		c.e.Logger.DebugContext(ctx, "chargeover: create settled by reading back: not created, sending again", "external_key", w.key)
	default:
		// The create's own error (wrapping ErrOutcomeUnknown) stays the
		// item's error; the failed read is added to its text.
		w.state, w.res.Err = done, fmt.Errorf("%w (reading back by external_key %q failed: %v)", w.res.Err, w.key, err)
	}
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

// sendBulk sends ws as one POST /api/v3/_bulk of create sub-requests.
func (c *Client) sendBulk(ctx context.Context, ws []*work) {
	body := make(chargeoverapi.BulkRequest, len(ws))
	for i, w := range ws {
		raw, err := json.Marshal(w.item)
		if err != nil { // cannot happen for the generated type; be safe
			raw = []byte("{}")
		}
		payload := json.RawMessage(raw)
		body[i] = chargeoverapi.BulkSubRequest{RequestMethod: chargeoverapi.BulkPOST, Uri: "/api/v3/customer", Payload: &payload}
	}
	c.bulk(ctx, ws, func(ctx context.Context) (*http.Response, error) { return c.API.Bulk(ctx, body) })
}

// bulk sends one _bulk call of ws's creates and maps its answer onto them.
func (c *Client) bulk(ctx context.Context, ws []*work, send func(context.Context) (*http.Response, error)) {
	call := engine.Call{Op: opBulk, Unsafe: true, Send: send}
	ans, err := c.e.Call(ctx, call)
	for _, w := range ws {
		w.res.Attempts += ans.Attempts
	}
	if err != nil {
		setAll(ws, err, ans.Status)
		return
	}
	subs, derr := decodeBulk(ans.Body, len(ws))
	if derr != nil {
		setAll(ws, c.e.Undecodable(call, ans, derr), ans.Status)
		return
	}
	for i, w := range ws {
		c.applySub(w, subs[i])
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

// applySub maps one sub-request result onto its item.
func (c *Client) applySub(w *work, sub chargeoverapi.BulkItemResult) {
	code := int(sub.Code)
	w.res.Status = code
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
			w.state = unsure
			w.res.Err = c.e.Unknown(c.e.Refused(opBulk, code, "", "created, but the answer carries no readable id", ""), err)
			return
		}
		w.state, w.res.Value, w.res.ID, w.res.Err = done, id, strconv.FormatInt(id, 10), nil
	case code == http.StatusTooManyRequests:
		// Refused before acting: safe to send again.
		w.state, w.res.Err = resend, c.e.Refused(opBulk, code, "", msg, "")
	case code >= 500 || code == http.StatusRequestTimeout || code == 0:
		w.state, w.res.Err = unsure, c.e.Unknown(c.e.Refused(opBulk, code, "", msg, ""), nil)
	default:
		w.state, w.res.Err = done, c.e.Refused(opBulk, code, "", msg, "")
	}
}

// sendOne sends ws (one item at a time) as POST /api/v3/customer.
func (c *Client) sendOne(ctx context.Context, ws []*work) {
	for _, w := range ws {
		c.createOne(ctx, w, func(ctx context.Context) (*http.Response, error) { return c.API.CreateCustomer(ctx, w.item) })
	}
}

// createOne sends one createCustomer and maps its answer onto w.
func (c *Client) createOne(ctx context.Context, w *work, send func(context.Context) (*http.Response, error)) {
	call := engine.Call{Op: opCreate, Unsafe: true, Send: send}
	ans, err := c.e.Call(ctx, call)
	w.res.Attempts += ans.Attempts
	if err != nil {
		setAll([]*work{w}, err, ans.Status)
		return
	}
	w.res.Status = ans.Status
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
		w.state, w.res.Err = unsure, c.e.Undecodable(call, ans, derr)
		return
	}
	w.state, w.res.Value, w.res.ID, w.res.Err = done, id, strconv.FormatInt(id, 10), nil
}

// setAll gives every item of ws the same classified error: unsure when it
// wraps billbridge.ErrOutcomeUnknown, else final.
func setAll(ws []*work, err error, status int) {
	st := done
	if errors.Is(err, billbridge.ErrOutcomeUnknown) {
		st = unsure
	}
	for _, w := range ws {
		w.state, w.res.Err, w.res.Status = st, engine.Clone(err), status
	}
}
