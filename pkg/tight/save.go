package tight

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/gen/tightapi"
	"github.com/billbridge/billbridge/internal/batch"
	"github.com/billbridge/billbridge/internal/engine"
	"github.com/billbridge/billbridge/internal/validate"
)

// saver saves one kind of entity. Customers and invoices differ only in the
// request they post, the envelope they decode and where their ids live; the
// grouping and bisecting are Tight's own rules, shared here. Sending and
// classifying is the engine's.
type saver[In, Out any] struct {
	e        *engine.Engine
	op       string // the spec's operationId
	schema   int    // the item's request schema: an index of loadValidators
	inputID  func(In) *string
	outputID func(Out) string
	post     func(ctx context.Context, items []In) (*http.Response, error)
	decode   func(body []byte) ([]item[Out], error)
	// data and setData read and set an item's customData (the create
	// key), outData reads a saved entity's. By value: taking an item's
	// address would move every item to the heap.
	data    func(In) *CustomData
	setData func(In, *CustomData) In
	outData func(Out) *CustomData
	// find lists the entities a create could have made (same name): the
	// lookup of create keys. It reports the attempts its requests took;
	// nil when the item has nothing to look it up by.
	find func(ctx context.Context, v In) (iter.Seq2[Out, error], *int)
	// findBy names the query find makes for an item ("" when find makes
	// none): items of one lookup that make the same query share its
	// answer, one query per distinct name, not per item.
	findBy func(In) string
	// filter lists the entities whose field (a natural key the caller
	// names, "email") equals value, with the attempts it took; nil when
	// Tight's query cannot filter by that field.
	filter func(ctx context.Context, field, value string) (iter.Seq2[Out, error], *int)
	// pages walks every entity of the kind: the index of keyed creates.
	pages func() engine.PageFunc[Out]
	// withID returns the item as an update of the entity with id.
	withID func(In, string) In
	// keyedCreate is the keyed create, built on first use.
	keyedCreate *engine.Keyed[In, Out, Out]
	keyedOnce   sync.Once
	// limit is the most items a request may hold, learnt from a 413 (0:
	// none learnt); it only shrinks.
	limit atomic.Int64
}

// shrink lowers the learnt request size to n.
func (s *saver[In, Out]) shrink(n int) {
	for {
		cur := s.limit.Load()
		if cur != 0 && cur <= int64(n) || s.limit.CompareAndSwap(cur, int64(n)) {
			return
		}
	}
}

// kind sorts an item into upserts (1) and creates (0): they go in separate
// requests, each kind's chunks filled on their own (batch.StreamKinds).
func (s *saver[In, Out]) kind(v In) int {
	if id := s.inputID(v); id != nil && *id != "" {
		return 1
	}
	return 0
}

// run is a save call over a stream: creates keyed, chunks per kind.
func (s *saver[In, Out]) run(ctx context.Context, items iter.Seq[In], total int) iter.Seq[billbridge.Result[Out]] {
	kc := s.begin(ctx, max(total, 0))
	return batch.StreamKinds(ctx, kc.Unique(s.keyed(ctx, items)), total, s.e.BatchOptions(s.e.BatchSize), s.kind, s.sendWith(kc))
}

// createKeyPath is where the create key sits in an item's JSON.
const createKeyPath = "customData/" + CreateKeyField

// begin starts the keyed creates of a call: by the create key, or by the
// field the caller names (WithKeyField).
func (s *saver[In, Out]) begin(ctx context.Context, expected int) *engine.KeyedCall[In, Out, Out] {
	field := s.e.Transport.RequestOf(ctx).KeyField
	if field == "" {
		kc := s.keyedCreates().Begin(ctx, func(v In) string { return keyOf(s.data(v)) }, func(e Out) string { return keyOf(s.outData(e)) }, expected)
		kc.KeyName(createKeyPath)
		// The default keys are not checked for repeats (that would hold
		// one entry per item): they number identical items. The keys of
		// a WithCreateKey function are (about 40 bytes per item): a repeat
		// would create a second entity under the first one's key.
		if s.e.Transport.RequestOf(ctx).CreateKey == nil {
			kc.KeysDistinct()
		}
		return kc
	}
	kc := s.keyedCreates().Begin(ctx,
		func(v In) string { k, _ := engine.FieldValue(v, field); return k },
		func(e Out) string { k, _ := engine.FieldValue(e, field); return k }, expected)
	kc.KeyName(field)
	if seq, _ := s.filter(ctx, field, ""); seq == nil {
		kc.IndexOnly() // Tight's query cannot filter by it: walk every entity
	}
	return kc
}

// keyedCreates is the keyed create of the kind, built once per client.
func (s *saver[In, Out]) keyedCreates() *engine.Keyed[In, Out, Out] {
	s.keyedOnce.Do(func() {
		s.keyedCreate = &engine.Keyed[In, Out, Out]{
			Engine: s.e, Op: s.op, KeyName: createKeyPath, Entity: strings.TrimSuffix(strings.TrimPrefix(s.op, "save"), "s"),
			Compare:    engine.NewComparer(validate.WriteOnlyOf(loadValidators, s.schema), rules),
			ID:         s.outputID,
			Value:      func(e Out) Out { return e },
			Pages:      s.pages,
			Lookup:     s.lookup,
			PerRequest: 1,
			Create: func(ctx context.Context, items []In, res []billbridge.Result[Out]) {
				s.save(ctx, items, seq(len(items)), true, res)
			},
			Update: func(ctx context.Context, found []Out, items []In, _ [][]billbridge.Change, res []billbridge.Result[Out]) {
				updates := make([]In, len(items))
				for i, it := range items {
					updates[i] = s.withID(it, s.outputID(found[i]))
				}
				s.save(ctx, updates, seq(len(items)), false, res)
			},
			Rounds: createRounds,
			Count:  func(ctx context.Context) (context.Context, *int) { return countAttempts(s.e, ctx) },
		}
	})
	return s.keyedCreate
}

// seq is 0, 1, ..., n-1.
func seq(n int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}

// lookup finds the entities holding the keys of items, one query per item
// (per distinct query: items of the same name share one, see findBy):
// a create key among the entities of the item's name (or e-mail: a content
// key finds the same name), a caller's key field through Tight's filter on
// that field. An item that gives nothing to query by is found by walking
// every entity.
func (s *saver[In, Out]) lookup(ctx context.Context, key func(In) string, stored func(Out) string, items []In) (map[string][]Out, int, error) {
	field := s.e.Transport.RequestOf(ctx).KeyField
	found := map[string][]Out{}
	attempts := 0
	var lastErr error
	var walkAll []In
	// The answers of the queries made so far, by findBy (every entity the
	// query matched), and the queries that failed.
	answered := map[string][]Out{}
	failedQ := map[string]bool{}
	for _, it := range items {
		k := key(it)
		qid := ""
		if field == "" && s.findBy != nil {
			qid = s.findBy(it)
		}
		if qid != "" {
			if failedQ[qid] {
				continue // unsettled, as the item that made the query
			}
			if all, ok := answered[qid]; ok {
				var es []Out
				for _, e := range all {
					if stored(e) == k {
						es = append(es, e)
					}
				}
				found[k] = es
				continue
			}
		}
		var matches iter.Seq2[Out, error]
		var n *int
		if field == "" {
			matches, n = s.find(ctx, it)
		} else {
			matches, n = s.filter(ctx, field, k)
		}
		if matches == nil {
			walkAll = append(walkAll, it)
			continue
		}
		var es, all []Out
		var failed error
		for e, err := range matches {
			if err != nil {
				failed = err
				break
			}
			if qid != "" {
				all = append(all, e)
			}
			if stored(e) == k {
				es = append(es, e)
			}
		}
		attempts += *n
		if failed != nil {
			lastErr = failed // this key stays unsettled; the others go on
			if qid != "" {
				failedQ[qid] = true
			}
			continue
		}
		if qid != "" {
			answered[qid] = all
		}
		found[k] = es
	}
	if len(walkAll) > 0 {
		walk := s.pages()
		want := map[string][]Out{}
		for _, it := range walkAll {
			want[key(it)] = nil
		}
		// The walk's pages are read-backs of the items: they count.
		wctx, n := countAttempts(s.e, ctx)
		walkAttempts := attempts
		for {
			page, last, _, err := walk(wctx)
			attempts = walkAttempts + *n
			if err != nil {
				return found, attempts, err
			}
			for _, e := range page {
				if k := stored(e); k != "" {
					if _, ok := want[k]; ok {
						want[k] = append(want[k], e)
					}
				}
			}
			if last {
				break
			}
		}
		for k, es := range want {
			found[k] = es
		}
	}
	return found, attempts, lastErr
}

// runSlice is run over a slice: every item gets its result, also when ctx
// ends midway.
func (s *saver[In, Out]) runSlice(ctx context.Context, items []In) []billbridge.Result[Out] {
	out := make([]billbridge.Result[Out], 0, len(items))
	for r := range s.run(ctx, slices.Values(items), len(items)) {
		out = append(out, r)
	}
	for i := len(out); i < len(items); i++ {
		out = append(out, billbridge.Result[Out]{Index: i, Err: s.e.NotSent(s.op, context.Cause(ctx))})
	}
	return out
}

// item is one entry of a save envelope's data, whatever the entity.
type item[Out any] struct {
	ok     bool // result SUCCESS with a 2xx statusCode
	status int
	data   *Out
	errs   []Error
}

// newItem reads one entry of a save envelope. Only result and statusCode
// decide: the error list holds an UNKNOWN_ERROR placeholder even on success.
// A missing statusCode (0) beside SUCCESS is read as 200.
func newItem[Out any](result tightapi.Result, status int32, data *Out, errs *[]tightapi.Error) item[Out] {
	ok := result == "SUCCESS" && (status == 0 || status >= 200 && status < 300)
	it := item[Out]{ok: ok, status: int(status), data: data}
	if status == 0 && ok {
		it.status = http.StatusOK
	}
	if errs != nil {
		it.errs = *errs
	}
	return it
}

// initSavers wires the entity kinds to the generated client. Their request
// schemas are read on first use, not here: a client that only reads never
// decodes them (about 4 ms of a cold New on one core).
func (c *Client) initSavers() {
	c.customers, c.invoices, c.payments = c.customerSaver(), c.invoiceSaver(), c.paymentSaver()
	c.templates = c.templateSaver()
}

// single turns the one result of a single-item call into (value, error).
func single[Out any](rs []billbridge.Result[Out]) (*Out, error) {
	if rs[0].Err != nil {
		return nil, rs[0].Err
	}
	return &rs[0].Value, nil
}

// sendWith is the batch.SendFunc of a call: it validates the chunk, then
// saves the upserts (items with an id) and writes the creates through the
// call's reconcile step, in separate requests, because only the upserts
// may be repeated freely.
func (s *saver[In, Out]) sendWith(kc *engine.KeyedCall[In, Out, Out]) batch.SendFunc[In, Out] {
	return func(ctx context.Context, chunk []batch.Item[In]) []billbridge.Result[Out] {
		res := make([]billbridge.Result[Out], len(chunk))
		values := make([]In, len(chunk))
		var upserts, creates []int
		for i, it := range chunk {
			values[i] = it.Value
			// A pointer: boxing the item itself would copy it to the heap.
			err := check(s.schema, it.Index, &values[i])
			if err == nil {
				err = checkCustomData(it.Index, s.data(values[i]))
			}
			if err != nil {
				res[i].Err = err
				continue
			}
			// An empty id would not name an entity: treat it as a create,
			// the cautious choice.
			if id := s.inputID(it.Value); id != nil && *id != "" {
				upserts = append(upserts, i)
			} else {
				creates = append(creates, i)
			}
		}
		s.save(ctx, values, upserts, false, res)
		if len(creates) > 0 {
			idx := make([]int, len(creates))
			for j, i := range creates {
				idx[j] = chunk[i].Index
			}
			sub := make([]billbridge.Result[Out], len(creates))
			kc.Write(ctx, idx, gather(values, creates), sub)
			for j, i := range creates {
				res[i] = sub[j]
			}
		}
		return res
	}
}

// gather returns values[idx...]: a subslice, not a copy, when idx is a
// run of consecutive indexes, as it is for a chunk of one kind.
func gather[In any](values []In, idx []int) []In {
	if first, last := idx[0], idx[len(idx)-1]; last-first == len(idx)-1 {
		return values[first : last+1]
	}
	body := make([]In, len(idx))
	for k, i := range idx {
		body[k] = values[i]
	}
	return body
}

// createRounds bounds how often a create is sent: after an unknown outcome
// it is looked up, and sent again only when surely absent.
const createRounds = 3

// save posts values[idx...] in one request and fills res[idx...]. When Tight
// refuses the whole request with 400, the request is bisected: each half is
// saved again, recursively, until each bad item is alone with its own 400.
// unsafe says the items create entities.
func (s *saver[In, Out]) save(ctx context.Context, values []In, idx []int, unsafe bool, res []billbridge.Result[Out]) {
	if len(idx) == 0 {
		return
	}
	if err := ctx.Err(); err != nil {
		s.failAll(res, idx, s.e.NotSent(s.op, err), 0)
		return
	}
	if lim := int(s.limit.Load()); lim > 0 && len(idx) > lim {
		// The server refused a request of this size before (413).
		for len(idx) > 0 {
			n := min(lim, len(idx))
			s.save(ctx, values, idx[:n], unsafe, res)
			idx = idx[n:]
		}
		return
	}
	body := gather(values, idx)
	var items []item[Out]
	call := engine.Call{Op: s.op, Unsafe: unsafe,
		Send: func(ctx context.Context) (*http.Response, error) { return s.post(ctx, body) },
		Decode: func(b []byte) (err error) {
			// Only the save envelope of 200 and 207 is decoded here; the
			// engine sends an upsert again when it does not decode.
			items, err = s.decode(b)
			return err
		}}
	ans, err := s.e.Call(ctx, call)
	for _, i := range idx {
		res[i].Attempts += ans.Attempts
		res[i].RequestID = ans.RequestID // this answer decides them, or a later one of a half
	}
	s.e.Logger.DebugContext(ctx, "tight: request done", "operation", s.op, "items", len(idx),
		"unsafe", unsafe, "status", ans.Status, "attempts", ans.Attempts)
	switch {
	case err == nil && (ans.Status == http.StatusOK || ans.Status == http.StatusMultiStatus):
		var derr error
		if len(items) != len(idx) {
			derr = fmt.Errorf("the answer holds %d results for %d items", len(items), len(idx))
		}
		if derr != nil {
			s.failAll(res, idx, s.e.Undecodable(call, ans, derr), ans.Status)
			return
		}
		for k, i := range idx {
			s.fill(&res[i], items[k])
		}
	case err == nil:
		// Another 2xx: Tight documents only 200 and 207 for saves, so the
		// answer says nothing about the items.
		s.failAll(res, idx, s.e.Undecodable(call, ans, fmt.Errorf("unexpected HTTP %d", ans.Status)), ans.Status)
	case ans.Status == http.StatusRequestEntityTooLarge && len(idx) > 1:
		// Too large for the server: it refused the request whole, before
		// acting. Halve it, and remember the size for the rest of the run,
		// so the next chunks are not refused first.
		mid := len(idx) / 2
		s.shrink(mid)
		s.e.Logger.DebugContext(ctx, "tight: request too large, halving", "operation", s.op, "items", len(idx), "limit", mid)
		s.save(ctx, values, idx[:mid], unsafe, res)
		s.save(ctx, values, idx[mid:], unsafe, res)
	case ans.Status == http.StatusBadRequest && len(idx) > 1:
		// A whole batch refused because of some items: find them by halves,
		// so that the good items still land. Re-sending creates is safe
		// here: a 400 refusal saved nothing (partial saves answer 207).
		s.e.Logger.DebugContext(ctx, "tight: bisecting a refused batch", "operation", s.op, "items", len(idx))
		mid := len(idx) / 2
		s.save(ctx, values, idx[:mid], unsafe, res)
		s.save(ctx, values, idx[mid:], unsafe, res)
	default:
		s.failAll(res, idx, err, ans.Status)
	}
}

// fill turns one item of a 200/207 envelope into its result.
func (s *saver[In, Out]) fill(r *billbridge.Result[Out], it item[Out]) {
	r.Status, r.Err = it.status, nil
	if it.ok {
		if it.data != nil {
			r.Value = *it.data
			r.ID = s.outputID(*it.data)
		}
		return
	}
	code, msg, param := firstError(it.errs)
	if msg == "" {
		msg = "item refused"
	}
	r.Err = s.e.Refused(s.op, it.status, code, msg, param)
}

// failAll gives every item of idx the same error, one value per item so that
// callers may change theirs.
func (s *saver[In, Out]) failAll(res []billbridge.Result[Out], idx []int, err error, status int) {
	for _, i := range idx {
		res[i].Err, res[i].Status = engine.Clone(err), status
	}
}
