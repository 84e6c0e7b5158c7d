package chargeover

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/gen/chargeoverapi"
	"github.com/billbridge/billbridge/internal/batch"
	"github.com/billbridge/billbridge/internal/engine"
	"github.com/billbridge/billbridge/internal/transport"
)

// checkUpdate checks an update item: an id of at least 1 and a body valid
// against the spec's CustomerUpdate schema.
func checkUpdate(index int, u CustomerUpdate) error {
	if u.ID < 1 {
		return &billbridge.ValidationError{Index: index, Field: "customer_id", Reason: "must be at least 1"}
	}
	vs, err := loadValidators()
	if err != nil {
		return err
	}
	return vs[1].Check(index, u.Customer)
}

// pendingUpdate is one item of a bulk update on its way through the rounds.
type pendingUpdate struct {
	item  CustomerUpdate
	res   *billbridge.Result[int64]
	again bool // the last sub-request was refused in a way worth repeating
}

// bulkUpdate is the batch engine's SendFunc for UpdateCustomers: it sends
// the chunk's valid items as one _bulk call of PUT sub-requests, and sends
// again (in a later call) the items whose sub-request got 429 or 5xx.
func (c *Client) bulkUpdate(ctx context.Context, chunk []batch.Item[CustomerUpdate]) []billbridge.Result[int64] {
	results := make([]billbridge.Result[int64], len(chunk))
	var pending []*pendingUpdate
	for i, it := range chunk {
		results[i].Index = it.Index
		if err := checkUpdate(it.Index, it.Value); err != nil {
			results[i].Err = err
			continue
		}
		pending = append(pending, &pendingUpdate{item: it.Value, res: &results[i]})
	}
	c.sendUpdateRounds(ctx, pending)
	return results
}

// sendUpdateRounds sends pending as _bulk PUTs and sends again (in a later
// call) the items whose sub-request got 429 or 5xx, at most c.rounds times.
func (c *Client) sendUpdateRounds(ctx context.Context, pending []*pendingUpdate) {
	for round := 1; len(pending) > 0; round++ {
		if err := ctx.Err(); err != nil {
			for _, p := range pending {
				if p.res.Err == nil || !p.again {
					p.res.Err, p.res.Status = c.e.NotSent(opBulk, err), 0
				}
			}
			return
		}
		c.sendUpdates(ctx, pending)
		var next []*pendingUpdate
		for _, p := range pending {
			if p.again {
				next = append(next, p)
			}
		}
		if round >= c.rounds {
			return // the last refusal stays each item's error
		}
		pending = next
	}
}

// sendUpdates sends ps as one POST /api/v3/_bulk of PUT sub-requests and
// maps its answer onto them. The call is idempotent, so the engine retries
// it as a whole after a 5xx or a lost answer.
func (c *Client) sendUpdates(ctx context.Context, ps []*pendingUpdate) {
	body := make(chargeoverapi.BulkRequest, len(ps))
	for i, p := range ps {
		raw, err := json.Marshal(p.item.Customer)
		if err != nil { // cannot happen for the generated type; be safe
			raw = []byte("{}")
		}
		payload := json.RawMessage(raw)
		body[i] = chargeoverapi.BulkSubRequest{RequestMethod: chargeoverapi.BulkPUT,
			Uri: "/api/v3/customer/" + strconv.FormatInt(p.item.ID, 10), Payload: &payload}
	}
	call := engine.Call{Op: opBulk, Send: func(ctx context.Context) (*http.Response, error) { return c.API.Bulk(ctx, body) }}
	ans, err := c.e.Call(ctx, call)
	for _, p := range ps {
		p.res.Attempts += ans.Attempts
		p.res.RequestID = ans.RequestID
		p.again = false
	}
	if err != nil {
		for _, p := range ps {
			p.res.Err, p.res.Status = engine.Clone(err), ans.Status
		}
		return
	}
	subs, derr := decodeBulk(ans.Body, len(ps))
	if derr != nil {
		for _, p := range ps {
			p.res.Err, p.res.Status = c.e.Undecodable(call, ans, derr), ans.Status
		}
		return
	}
	for i, p := range ps {
		c.applyUpdate(p, subs[i])
	}
}

// applyUpdate maps one PUT sub-request's result onto its item.
func (c *Client) applyUpdate(p *pendingUpdate, sub chargeoverapi.BulkItemResult) {
	code := int(sub.Code)
	p.res.Status = code
	msg := ""
	if sub.Message != nil {
		msg = *sub.Message
	}
	if code >= 200 && code < 300 {
		p.res.Value, p.res.ID, p.res.Err = p.item.ID, strconv.FormatInt(p.item.ID, 10), nil
		return
	}
	p.res.Err = c.e.Refused(opBulk, code, "", msg, "")
	// An update may be repeated: what the provider refused for now (rate
	// limit, a failure on its side) is sent again.
	p.again = transport.RetryableStatus(code)
}

// updateOne sends PUT /api/v3/customer/{id}.
func (c *Client) updateOne(ctx context.Context, id int64, changes CustomerChanges) error {
	call := engine.Call{Op: opUpdate, Send: func(ctx context.Context) (*http.Response, error) { return c.API.UpdateCustomer(ctx, id, changes) }}
	ans, err := c.e.Call(ctx, call)
	if err != nil {
		return err
	}
	var env chargeoverapi.UpdatedResponse
	if err := json.Unmarshal(ans.Body, &env); err != nil {
		return c.e.Undecodable(call, ans, err)
	}
	return nil
}
