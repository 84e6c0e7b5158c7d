package chargeover

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"slices"
	"strconv"
	"sync"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/gen/chargeoverapi"
	"github.com/billbridge/billbridge/gen/schemas"
	"github.com/billbridge/billbridge/internal/batch"
	"github.com/billbridge/billbridge/internal/engine"
	"github.com/billbridge/billbridge/internal/validate"
)

// What every ChargeOver object type beyond customers shares: creates as
// _bulk POST sub-requests, keys read back as _bulk GET sub-requests, and
// offset-paged lists. Each resource's file (invoices.go, transactions.go,
// items.go) gives only its URIs, its key and its validation.

// bulkCreate returns the Keyed.Create of a resource: the items as one _bulk
// call of POST sub-requests to uri (up to MaxBatchSize per call, as the
// batch engine chunks them).
func bulkCreate[In any](c *Client, uri string) func(ctx context.Context, items []In, res []billbridge.Result[int64]) {
	return func(ctx context.Context, items []In, res []billbridge.Result[int64]) {
		body := make(chargeoverapi.BulkRequest, len(items))
		for i, item := range items {
			raw, err := json.Marshal(item)
			if err != nil { // cannot happen for a generated type; be safe
				raw = []byte("{}")
			}
			payload := json.RawMessage(raw)
			body[i] = chargeoverapi.BulkSubRequest{RequestMethod: chargeoverapi.BulkPOST, Uri: uri, Payload: &payload}
		}
		c.bulk(ctx, res, func(ctx context.Context) (*http.Response, error) { return c.API.Bulk(ctx, body) })
	}
}

// directCreate returns the create of a resource's single-item call: each
// item through the resource's own POST (send, operation op), not _bulk.
func directCreate[In any](c *Client, op string, send func(context.Context, In) (*http.Response, error)) func(ctx context.Context, items []In, res []billbridge.Result[int64]) {
	return func(ctx context.Context, items []In, res []billbridge.Result[int64]) {
		for i, item := range items {
			c.createOneAs(ctx, op, &res[i], func(ctx context.Context) (*http.Response, error) { return send(ctx, item) })
		}
	}
}

// bulkLookup returns the Keyed.Lookup of a resource: one GET sub-request per
// key (uri gives its URI), 25 per _bulk call. A 200 holds the entity, or,
// with list set, a list whose entities holding the key (stored) count; a
// 404 says no entity holds the key. op names the read in errors.
func bulkLookup[In, E any](c *Client, op string, uri func(key string) string, list bool) func(ctx context.Context, key func(In) string, stored func(E) string, items []In) (map[string][]E, int, error) {
	return func(ctx context.Context, key func(In) string, stored func(E) string, items []In) (map[string][]E, int, error) {
		found := map[string][]E{}
		attempts := 0
		var lastErr error
		for chunk := range slices.Chunk(items, MaxBatchSize) {
			body := make(chargeoverapi.BulkRequest, len(chunk))
			for i, it := range chunk {
				body[i] = chargeoverapi.BulkSubRequest{RequestMethod: chargeoverapi.BulkGET, Uri: uri(key(it))}
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
					es, err := decodeFound[E](*sub.Response, list)
					if err != nil {
						lastErr = c.e.Undecodable(call, ans, fmt.Errorf("%s %q: %w", op, k, err))
						continue
					}
					found[k] = slices.DeleteFunc(es, func(e E) bool { return stored(e) != k })
				case code == http.StatusNotFound:
					found[k] = nil
				default:
					msg := ""
					if sub.Message != nil {
						msg = *sub.Message
					}
					lastErr = c.e.Refused(op, code, "", msg, "")
				}
			}
		}
		return found, attempts, lastErr
	}
}

// decodeFound reads a sub-request's response: one entity, or a list.
func decodeFound[E any](raw json.RawMessage, list bool) ([]E, error) {
	if list {
		var es []E
		err := json.Unmarshal(raw, &es)
		return es, err
	}
	var e E
	if err := json.Unmarshal(raw, &e); err != nil {
		return nil, err
	}
	return []E{e}, nil
}

// getOne reads one entity through a _bulk GET sub-request (a read by
// external_key, which has no operation of its own here): a 404 matches
// billbridge.ErrNotFound.
func getOne[E any](ctx context.Context, c *Client, op, uri string) (*E, error) {
	body := chargeoverapi.BulkRequest{{RequestMethod: chargeoverapi.BulkGET, Uri: uri}}
	call := engine.Call{Op: opBulk, Send: func(ctx context.Context) (*http.Response, error) { return c.API.Bulk(ctx, body) }}
	ans, err := c.e.Call(ctx, call)
	if err != nil {
		return nil, err
	}
	subs, err := decodeBulk(ans.Body, 1)
	if err != nil {
		return nil, c.e.Undecodable(call, ans, err)
	}
	sub := subs[0]
	if sub.Code != http.StatusOK || sub.Response == nil {
		msg := ""
		if sub.Message != nil {
			msg = *sub.Message
		}
		return nil, c.e.Refused(op, int(sub.Code), "", msg, "")
	}
	var e E
	if err := json.Unmarshal(*sub.Response, &e); err != nil {
		return nil, c.e.Undecodable(call, ans, err)
	}
	return &e, nil
}

// readOne sends a read of one entity (operation op) and decodes the
// envelope's response.
func readOne[E any](ctx context.Context, c *Client, op string, send func(context.Context) (*http.Response, error)) (*E, error) {
	call := engine.Call{Op: op, Send: send}
	ans, err := c.e.Call(ctx, call)
	if err != nil {
		return nil, err
	}
	var env struct {
		Response *E `json:"response"`
	}
	if err := json.Unmarshal(ans.Body, &env); err != nil || ans.Status != http.StatusOK || env.Response == nil {
		if err == nil {
			err = fmt.Errorf("unexpected HTTP %d or no %s in the answer", ans.Status, op)
		}
		return nil, c.e.Undecodable(call, ans, err)
	}
	return env.Response, nil
}

// keyedWith is the batch engine's SendFunc of a keyed create: it validates
// a chunk (check) and writes its valid items through kc.
func keyedWith[In, E any](kc *engine.KeyedCall[In, E, int64], check func(int, In) error,
	send func(context.Context, []In, []billbridge.Result[int64])) batch.SendFunc[In, int64] {
	return func(ctx context.Context, chunk []batch.Item[In]) []billbridge.Result[int64] {
		results := make([]billbridge.Result[int64], len(chunk))
		var idx, valid []int
		var items []In
		for i, it := range chunk {
			results[i].Index = it.Index
			if err := check(it.Index, it.Value); err != nil {
				results[i].Err = err
				continue
			}
			idx, valid, items = append(idx, it.Index), append(valid, i), append(items, it.Value)
		}
		if len(items) > 0 {
			res := make([]billbridge.Result[int64], len(items))
			kc.WriteWith(ctx, idx, items, res, send)
			for j, i := range valid {
				res[j].Index = results[i].Index
				results[i] = res[j]
			}
		}
		return results
	}
}

// listParams are the query parameters every ChargeOver list takes.
type listParams struct {
	where, order *string
	offset       *int64
	limit        *int32
}

// listWalk walks every page of a list (send sends one page request) and
// yields each entity once: ids not above the last one are dropped when the
// order is idField ascending, ids seen are dropped otherwise (see
// ListCustomers for what offset paging guarantees).
func listWalk[E any](ctx context.Context, c *Client, q CustomerQuery, idField, op string,
	send func(context.Context, listParams) (*http.Response, error), id func(E) json.Number) iter.Seq2[E, error] {
	size := q.PageSize
	where, err := q.where()
	order, monotonic := "", false
	if err == nil {
		order, monotonic, err = q.orderBy(idField)
	}
	switch {
	case err != nil:
	case size < 0 || size > MaxPageSize:
		err = &billbridge.ValidationError{Field: "page_size", Reason: fmt.Sprintf("must be between 1 and %d (0: %d)", MaxPageSize, DefaultPageSize)}
	case size == 0:
		size = DefaultPageSize
	}
	if err != nil {
		return engine.Fail[E](err)
	}
	p := listParams{order: &order}
	if where != "" {
		p.where = &where
	}
	limit := int32(size)
	p.limit = &limit
	pages := engine.Pages(ctx, int64(0), pageFetch[E](c, op, size, p, send))
	return func(yield func(E, error) bool) {
		var last int64
		seen := map[int64]struct{}{}
		for e, err := range pages {
			if err != nil {
				yield(e, err)
				return
			}
			n, perr := id(e).Int64()
			if perr != nil {
				var zero E
				yield(zero, &billbridge.APIError{Provider: Provider, Operation: op, StatusCode: http.StatusOK,
					Message: fmt.Sprintf("cannot read the answer: %s %q is not an integer", idField, id(e)), Err: perr})
				return
			}
			if monotonic {
				if n <= last {
					continue
				}
				last = n
			} else {
				if _, dup := seen[n]; dup {
					continue
				}
				seen[n] = struct{}{}
			}
			if !yield(e, nil) {
				return
			}
		}
	}
}

// pageFetch reads the pages of a list with p, size entities each, by
// offset.
func pageFetch[E any](c *Client, op string, size int, p listParams, send func(context.Context, listParams) (*http.Response, error)) engine.FetchPage[E, int64] {
	return func(ctx context.Context, offset int64) (engine.Page[E, int64], error) {
		pp := p
		pp.offset = &offset
		call := engine.Call{Op: op, Send: func(ctx context.Context) (*http.Response, error) { return send(ctx, pp) }}
		ans, err := c.e.Call(ctx, call)
		if err != nil {
			return engine.Page[E, int64]{}, err
		}
		var env struct {
			Response []E `json:"response"`
		}
		if err := json.Unmarshal(ans.Body, &env); err != nil || ans.Status != http.StatusOK || env.Response == nil {
			if err == nil {
				err = errors.New("unexpected HTTP " + strconv.Itoa(ans.Status) + " or no list")
			}
			return engine.Page[E, int64]{}, c.e.Undecodable(call, ans, err)
		}
		n := len(env.Response)
		return engine.Page[E, int64]{Items: env.Response, Next: offset + int64(n), Last: n < size}, nil
	}
}

// idOf is the int64 of a read id (0 when unreadable).
func idOf(n json.Number) int64 {
	v, _ := n.Int64()
	return v
}

// schemaOf returns the validator of one request schema of the spec, read
// once per process on first use: each resource's file declares its own,
// so that a new resource edits no shared list.
func schemaOf(name string) func() (*validate.Validator, error) {
	load := validate.Schemas(Provider, schemas.ChargeOver, name)
	return func() (*validate.Validator, error) {
		vs, err := load()
		if err != nil {
			return nil, err
		}
		return vs[0], nil
	}
}

// comparerOf is the Comparer of a resource's create schema: every field
// but the writeOnly ones, with ChargeOver's normalisation (customerRules).
// A schema that cannot be read fails every validation before any
// comparison, so its Comparer skips nothing.
func comparerOf(schema func() (*validate.Validator, error)) func() *engine.Comparer {
	return sync.OnceValue(func() *engine.Comparer {
		v, err := schema()
		if err != nil {
			return engine.NewComparer(nil, customerRules)
		}
		return engine.NewComparer(v.WriteOnly(), customerRules)
	})
}

// checkWith validates an item against schema (index names it in errors).
func checkWith(schema func() (*validate.Validator, error), index int, item any) error {
	v, err := schema()
	if err != nil {
		return err
	}
	return v.Check(index, item)
}
