package tight

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/billbridge/billbridge/internal/facade"
	"github.com/billbridge/billbridge/pkg/batch"
	"github.com/billbridge/billbridge/pkg/transport"
)

// saver saves one kind of entity. Customers and invoices differ only in the
// request they post, the envelope they decode and where their ids live; the
// grouping, bisecting and error mapping are shared here.
type saver[In, Out any] struct {
	c         *Client
	op        string // the spec's operationId
	validator *facade.Validator
	inputID   func(In) *string
	outputID  func(Out) string
	post      func(ctx context.Context, items []In) (*http.Response, error)
	decode    func(body []byte) ([]item[Out], error)
}

// item is one entry of a save envelope's data, whatever the entity.
type item[Out any] struct {
	ok     bool // result SUCCESS with a 2xx statusCode
	status int
	data   *Out
	errs   []Error
}

// send is the batch.SendFunc: it validates the chunk, then saves the upserts
// and the creates of the chunk in separate requests, because only the
// upserts may be repeated freely.
func (s *saver[In, Out]) send(ctx context.Context, chunk []batch.Item[In]) []batch.Result[Out] {
	res := make([]batch.Result[Out], len(chunk))
	values := make([]In, len(chunk))
	var upserts, creates []int
	for i, it := range chunk {
		values[i] = it.Value
		if err := s.validator.Check(it.Index, it.Value); err != nil {
			res[i].Err = err
			continue
		}
		// An empty id would not name an entity: treat it as a create, the
		// cautious choice.
		if id := s.inputID(it.Value); id != nil && *id != "" {
			upserts = append(upserts, i)
		} else {
			creates = append(creates, i)
		}
	}
	s.save(ctx, values, upserts, true, res)
	s.save(ctx, values, creates, false, res)
	return res
}

// save posts values[idx...] in one request and fills res[idx...]. When Tight
// refuses the whole request with 400, the request is bisected: each half is
// saved again, recursively, until each bad item is alone with its own 400.
func (s *saver[In, Out]) save(ctx context.Context, values []In, idx []int, idempotent bool, res []batch.Result[Out]) {
	if len(idx) == 0 {
		return
	}
	if err := ctx.Err(); err != nil {
		s.failAll(res, idx, fmt.Errorf("%w: %w", batch.ErrNotSent, err), 0)
		return
	}
	body := make([]In, len(idx))
	for k, i := range idx {
		body[k] = values[i]
	}
	rctx, trace := transport.WithTrace(ctx)
	if idempotent {
		rctx = transport.Idempotent(rctx)
	}
	resp, err := s.post(rctx, body)
	for _, i := range idx {
		res[i].Attempts += trace.Attempts
	}
	if err != nil {
		s.log(ctx, "request failed", len(idx), idempotent, 0, trace.Attempts)
		s.failAll(res, idx, s.requestError(ctx, err, trace.Attempts, idempotent), 0)
		return
	}
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	status := resp.StatusCode
	s.log(ctx, "request answered", len(idx), idempotent, status, trace.Attempts)
	if err != nil {
		s.failAll(res, idx, s.requestError(ctx, err, trace.Attempts, idempotent), status)
		return
	}
	switch {
	case status == http.StatusOK || status == http.StatusMultiStatus:
		items, err := s.decode(data)
		if err == nil && len(items) != len(idx) {
			err = fmt.Errorf("the answer holds %d results for %d items", len(items), len(idx))
		}
		if err != nil {
			s.failAll(res, idx, s.undecodable(status, err, idempotent), status)
			return
		}
		for k, i := range idx {
			s.fill(&res[i], items[k])
		}
	case status == http.StatusBadRequest && len(idx) > 1:
		// A whole batch refused because of some items: find them by halves,
		// so that the good items still land. Re-sending creates is safe
		// here: a 400 refusal saved nothing (partial saves answer 207).
		s.log(ctx, "bisecting a refused batch", len(idx), idempotent, status, trace.Attempts)
		mid := len(idx) / 2
		s.save(ctx, values, idx[:mid], idempotent, res)
		s.save(ctx, values, idx[mid:], idempotent, res)
	default:
		s.failAll(res, idx, s.statusError(resp, data, idempotent, len(idx) == 1), status)
	}
}

// fill turns one item of a 200/207 envelope into its result. Only result
// and statusCode decide: the error list may hold a placeholder on success.
func (s *saver[In, Out]) fill(r *batch.Result[Out], it item[Out]) {
	r.Status = it.status
	if it.ok {
		if it.data != nil {
			r.Value = *it.data
			r.ID = s.outputID(*it.data)
		}
		return
	}
	e := s.apiError(it.status, it.errs)
	if e.Message == "" {
		e.Message = "item refused"
	}
	r.Err = e
}

func (s *saver[In, Out]) failAll(res []batch.Result[Out], idx []int, err error, status int) {
	for _, i := range idx {
		res[i].Err, res[i].Status = err, status
	}
}

// requestError maps a failure without a usable answer. For creates it keeps
// transport.ErrOutcomeUnknown visible: the caller must not simply re-send.
func (s *saver[In, Out]) requestError(ctx context.Context, err error, attempts int, idempotent bool) error {
	if ctx.Err() != nil {
		switch {
		case attempts == 0:
			return fmt.Errorf("%w: %w", batch.ErrNotSent, ctx.Err())
		case !idempotent:
			err = fmt.Errorf("%w: cancelled in flight: %w", transport.ErrOutcomeUnknown, ctx.Err())
		}
	}
	var ae *transport.APIError
	if errors.As(err, &ae) && !errors.Is(err, transport.ErrOutcomeUnknown) {
		// A refused token request, say: keep its status and code.
		e := *ae
		e.Provider = provider
		return &e
	}
	// The transport already wrapped ErrOutcomeUnknown around every failure
	// of a create after it was written; what is left failed before writing
	// (or is an upsert), so Tight did not act on it.
	return &transport.APIError{
		Provider:  provider,
		Operation: s.op,
		Message:   "request failed",
		Retryable: !errors.Is(err, transport.ErrOutcomeUnknown),
		Err:       err,
	}
}

// undecodable maps a success status whose body cannot be read per item.
// Tight acted (or may have): for creates the outcome is unknown.
func (s *saver[In, Out]) undecodable(status int, err error, idempotent bool) error {
	e := &transport.APIError{Provider: provider, Operation: s.op, StatusCode: status,
		Message: "cannot read the answer", Retryable: idempotent, Err: err}
	if !idempotent {
		e.Err = fmt.Errorf("%w: %w", transport.ErrOutcomeUnknown, err)
	}
	return e
}

// statusError maps an error status of the whole request. single says the
// request held one item, so an item-level error in the body is its error.
func (s *saver[In, Out]) statusError(resp *http.Response, body []byte, idempotent, single bool) error {
	env, _ := decodeError(body)
	errs := env.requestErrs
	if single && len(env.itemErrs) > 0 && len(env.itemErrs[0]) > 0 {
		errs = env.itemErrs[0]
	}
	e := s.apiError(resp.StatusCode, errs)
	e.RequestID = transport.RequestID(resp.Header)
	if e.Message == "" {
		e.Message = http.StatusText(resp.StatusCode)
		if !env.json {
			e.Message += " (not a Tight answer)"
		}
	}
	e.Retryable = transport.RetryableStatus(resp.StatusCode)
	if !idempotent && resp.StatusCode >= 500 {
		// The transport does not repeat a create on 5xx: Tight may have
		// saved some or all of the items before failing.
		e.Retryable = false
		e.Err = transport.ErrOutcomeUnknown
	}
	return e
}

// apiError builds the error of an item or a request from Tight's error list:
// the first entry gives code, message and parameter.
func (s *saver[In, Out]) apiError(status int, errs []Error) *transport.APIError {
	e := &transport.APIError{Provider: provider, Operation: s.op, StatusCode: status,
		Retryable: transport.RetryableStatus(status)}
	if len(errs) > 0 {
		first := errs[0]
		if first.Type != nil {
			e.Code = string(*first.Type)
		}
		if first.Message != nil {
			e.Message = *first.Message
		}
		if first.Param != nil {
			e.Param = itemParam(*first.Param)
		}
	}
	return e
}

func (s *saver[In, Out]) log(ctx context.Context, msg string, items int, idempotent bool, status, attempts int) {
	s.c.logger.DebugContext(ctx, "tight: "+msg, "operation", s.op, "items", items,
		"idempotent", idempotent, "status", status, "attempts", attempts)
}
