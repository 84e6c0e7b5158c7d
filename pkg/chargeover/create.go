package chargeover

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/billbridge/billbridge/gen/chargeoverapi"
	"github.com/billbridge/billbridge/pkg/batch"
	"github.com/billbridge/billbridge/pkg/transport"
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
	res   batch.Result[int64]
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
				w.res.Err = fmt.Errorf("%w: %w", batch.ErrNotSent, err)
				w.res.Status = 0
			}
			return
		}
		send(ctx, pending)
		var next []*work
		for _, w := range pending {
			switch {
			case w.state == unsure && w.key != "":
				c.settle(ctx, w)
			case w.state == done && w.res.Status == http.StatusBadRequest && w.key != "" && w.tried:
				// Refused, and an earlier attempt of ours may have created
				// it: if the key is in use now, the customer is ours.
				refused := w.res
				if c.settle(ctx, w); w.state != done || w.res.Err != nil {
					// Not ours (or unreadable): the refusal stands.
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
// external_key: found, it succeeds as Existing; not found, it is to be sent
// again; a failed read leaves the outcome unknown.
func (c *Client) settle(ctx context.Context, w *work) {
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
		w.res.Value, w.res.ID, w.res.Err, w.res.Status, w.res.Existing = id, strconv.FormatInt(id, 10), nil, http.StatusOK, true
		c.logger.DebugContext(ctx, "chargeover: create settled by reading back: found", "external_key", w.key, "customer_id", id)
	case errors.Is(err, ErrNotFound):
		// Our attempt did not create it: sending again cannot duplicate.
		// If no round is left, this is the item's (definite) error.
		w.state, w.tried = resend, true
		w.res.Err = &transport.APIError{Provider: Provider, Operation: opGet, StatusCode: http.StatusNotFound, Retryable: true,
			Message: fmt.Sprintf("not created: the create's outcome was unknown and no customer has external_key %q (safe to send again)", w.key)}
		w.res.Status = 0
		c.logger.DebugContext(ctx, "chargeover: create settled by reading back: not created, sending again", "external_key", w.key)
	default:
		// The create's own error (wrapping ErrOutcomeUnknown) stays the
		// item's error; the failed read is added to its text.
		w.state, w.res.Err = done, fmt.Errorf("%w (reading back by external_key %q failed: %v)", w.res.Err, w.key, err)
	}
}

// getByKey is CustomerByExternalKey that also reports the attempts made.
func (c *Client) getByKey(ctx context.Context, key string) (*Customer, int, error) {
	if key == "" {
		return nil, 0, errors.New("chargeover: CustomerByExternalKey: empty external_key")
	}
	tctx, tr := transport.WithTrace(ctx)
	resp, err := c.API.GetCustomerByExternalKey(tctx, key)
	if err != nil {
		return nil, tr.Attempts, &transport.APIError{Provider: Provider, Operation: opGet, Message: err.Error(), Retryable: ctx.Err() == nil, Err: err}
	}
	cust, err := decodeGet(resp)
	return cust, tr.Attempts, err
}

// decodeGet maps an answer of getCustomerByExternalKey.
func decodeGet(resp *http.Response) (*Customer, error) {
	body := buffer(resp)
	parsed, err := chargeoverapi.ParseGetCustomerByExternalKeyResponse(resp)
	switch {
	case err == nil && resp.StatusCode == http.StatusOK && parsed.JSON200 != nil:
		return &parsed.JSON200.Response, nil
	case resp.StatusCode < 300:
		if err == nil {
			err = fmt.Errorf("HTTP %d answer without a customer envelope", resp.StatusCode)
		}
		return nil, &transport.APIError{Provider: Provider, Operation: opGet, StatusCode: resp.StatusCode, Message: "undecodable answer: " + err.Error(), Err: err}
	default:
		return nil, apiError(opGet, resp, body)
	}
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
	tctx, tr := transport.WithTrace(ctx)
	resp, err := c.API.Bulk(tctx, body)
	for _, w := range ws {
		w.res.Attempts += tr.Attempts
	}
	if err != nil {
		e, unsureOutcome := sendError(ctx, opBulk, tr.Attempts, err)
		setAll(ws, e, 0, unsureOutcome)
		return
	}
	applyBulk(ws, resp)
}

// applyBulk maps a _bulk answer onto its items, in order.
func applyBulk(ws []*work, resp *http.Response) {
	body := buffer(resp)
	parsed, perr := chargeoverapi.ParseBulkResponse(resp)
	switch {
	case resp.StatusCode < 300 && (perr != nil || parsed.JSON200 == nil):
		// A 2xx whose body is not the bulk envelope: the server acted in
		// some way nobody can read.
		cause := perr
		if cause == nil {
			cause = fmt.Errorf("HTTP %d answer without a bulk envelope", resp.StatusCode)
		}
		setAll(ws, unknown(opBulk, &transport.APIError{Provider: Provider, Operation: opBulk, StatusCode: resp.StatusCode, Message: "undecodable answer"}, cause), resp.StatusCode, true)
		return
	case resp.StatusCode < 300:
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusRequestTimeout:
		// The transport does not repeat a create after a 5xx: the server
		// may have created some or all of the customers.
		setAll(ws, unknown(opBulk, apiError(opBulk, resp, body), nil), resp.StatusCode, true)
		return
	default:
		// 4xx on the whole call (401, 400, 429 after the transport's
		// retries): nothing was created.
		setAll(ws, apiError(opBulk, resp, body), resp.StatusCode, false)
		return
	}
	subs := parsed.JSON200.Response.Bulk
	for i, w := range ws {
		if i >= len(subs) {
			w.state, w.res.Status = unsure, 0
			w.res.Err = unknown(opBulk, &transport.APIError{Provider: Provider, Operation: opBulk, StatusCode: http.StatusOK,
				Message: fmt.Sprintf("the answer holds %d results for %d sub-requests", len(subs), len(ws))}, nil)
			continue
		}
		applySub(w, subs[i])
	}
}

// applySub maps one sub-request result onto its item.
func applySub(w *work, sub chargeoverapi.BulkItemResult) {
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
			w.res.Err = unknown(opBulk, subError(code, "created, but the answer carries no readable id"), err)
			return
		}
		w.state, w.res.Value, w.res.ID, w.res.Err = done, id, strconv.FormatInt(id, 10), nil
	case code == http.StatusTooManyRequests:
		// Refused before acting: safe to send again.
		w.state, w.res.Err = resend, subError(code, msg)
	case code >= 500 || code == http.StatusRequestTimeout || code == 0:
		w.state, w.res.Err = unsure, unknown(opBulk, subError(code, msg), nil)
	default:
		w.state, w.res.Err = done, subError(code, msg)
	}
}

// sendOne sends ws (one item) as POST /api/v3/customer.
func (c *Client) sendOne(ctx context.Context, ws []*work) {
	for _, w := range ws {
		tctx, tr := transport.WithTrace(ctx)
		resp, err := c.API.CreateCustomer(tctx, w.item)
		w.res.Attempts += tr.Attempts
		if err != nil {
			e, unsureOutcome := sendError(ctx, opCreate, tr.Attempts, err)
			setAll([]*work{w}, e, 0, unsureOutcome)
			continue
		}
		applyCreate(w, resp)
	}
}

// applyCreate maps an answer of createCustomer onto its item.
func applyCreate(w *work, resp *http.Response) {
	body := buffer(resp)
	parsed, perr := chargeoverapi.ParseCreateCustomerResponse(resp)
	w.res.Status = resp.StatusCode
	switch {
	case perr == nil && resp.StatusCode == http.StatusCreated && parsed.JSON201 != nil:
		id, err := strconv.ParseInt(parsed.JSON201.Response.Id.String(), 10, 64)
		if err != nil {
			w.state, w.res.Err = unsure, unknown(opCreate, &transport.APIError{Provider: Provider, Operation: opCreate, StatusCode: resp.StatusCode, Message: "created, but the answer carries no readable id"}, err)
			return
		}
		w.state, w.res.Value, w.res.ID, w.res.Err = done, id, strconv.FormatInt(id, 10), nil
	case resp.StatusCode < 300:
		w.state, w.res.Err = unsure, unknown(opCreate, &transport.APIError{Provider: Provider, Operation: opCreate, StatusCode: resp.StatusCode, Message: "undecodable answer"}, perr)
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusRequestTimeout:
		w.state, w.res.Err = unsure, unknown(opCreate, apiError(opCreate, resp, body), nil)
	default:
		w.state, w.res.Err = done, apiError(opCreate, resp, body)
	}
}

// buffer reads resp's body and leaves a fresh reader in its place, so that
// the generated parser can decode it and error mapping still has the bytes
// when the parser fails. The transport already holds bodies in memory.
func buffer(resp *http.Response) []byte {
	if resp.Body == nil {
		return nil
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return b
}

// setAll gives every item of ws the same outcome.
func setAll(ws []*work, e *transport.APIError, status int, unsureOutcome bool) {
	st := done
	if unsureOutcome {
		st = unsure
	}
	for _, w := range ws {
		copyErr := *e // one error value per item: callers may mutate theirs
		w.state, w.res.Err, w.res.Status = st, &copyErr, status
	}
}
