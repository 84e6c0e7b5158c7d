package engine

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"iter"
	"net/http"
	"slices"
	"sync"

	"github.com/billbridge/billbridge"
)

// # Reconcile: every keyed write of the three facades
//
// A keyed write is a create whose item carries a natural key (ChargeOver
// external_key, Meteroid alias, Tight's create key or a field the caller
// names). KeyedCall.Write runs it in four steps, the same for every provider:
//
//  1. look the keys up: the existing entity of each key, in bulk (see
//     KeyedCall.find for the rule that picks between an index of the
//     provider's pages and lookups by key);
//  2. compare each found entity with its item, field by field (Comparer);
//  3. decide: no entity, create; the same data, Unchanged; other data, a
//     Conflict (ModeCreate), an update (ModeUpsert), or only the plan
//     (ModePlan, which writes nothing);
//  4. create and update, in rounds: a create whose outcome is unknown, or
//     that is refused because its key is taken, is settled by reading its
//     key back (a fresh read, never the index): found with the item's
//     data, a success; with other data, a conflict (or an update); absent,
//     sent again, at most Rounds sends in all.
//
// The facades give only what is theirs: how to send creates and updates,
// how to read pages and keys, and their normalisation (Rules).

// maxIndexed bounds the entities one call indexes (their memory: the
// entities themselves, a few hundred bytes each); an account larger than
// this is looked up by key.
const maxIndexed = 200_000

// Keyed is one provider's keyed create of one kind of entity: In is the
// request item, E the entity as read, Out the result's value.
type Keyed[In, E, Out any] struct {
	// Engine classifies errors.
	Engine *Engine
	// Op is the create's operationId, KeyName the key's name and Entity
	// the entity's kind in messages ("external_key", "customer").
	Op, KeyName, Entity string
	// Compare compares an item with a stored entity.
	Compare *Comparer
	// ID is an entity's id, Value the result value of an entity.
	ID    func(E) string
	Value func(E) Out
	// Pages starts a new walk over every entity of the kind, one page per
	// call of the PageFunc; nil when the provider has none.
	Pages func() PageFunc[E]
	// Lookup reads the entities holding the items' keys (key gives an
	// item's, stored an entity's), by key, as many per request as
	// PerRequest says, and reports the attempts it took. A key it could
	// not settle is left out of found, and err says why: one failed read
	// does not fail the others. A call whose keys
	// cannot be looked up one at a time says so (KeyedCall.IndexOnly).
	Lookup func(ctx context.Context, key func(In) string, stored func(E) string, items []In) (found map[string][]E, attempts int, err error)
	// PerRequest is the number of keys one Lookup request settles.
	PerRequest int
	// Create sends the items once and fills res (aligned with items): a
	// nil Err is created; an error wrapping billbridge.ErrOutcomeUnknown
	// may have been; one wrapping billbridge.ErrNotSent surely was not.
	Create func(ctx context.Context, items []In, res []billbridge.Result[Out])
	// KeyTaken reports a refusal that may mean the key is in use already
	// (ChargeOver's 400, Meteroid's 409): such an item is read back.
	KeyTaken func(r billbridge.Result[Out]) bool
	// Update writes the items onto the found entities (ModeUpsert) and
	// fills res; nil when the entity cannot be updated.
	Update func(ctx context.Context, found []E, items []In, changes [][]billbridge.Change, res []billbridge.Result[Out])
	// Rounds bounds the sends of one create.
	Rounds int
	// Count, when set, returns ctx counting the attempts of its requests
	// into the returned counter: a read-back that walks every page counts
	// its pages as the items' attempts, as Lookup's do.
	Count func(ctx context.Context) (context.Context, *int)
}

// PageFunc reads the next page of a walk: its items, whether it is the
// last, and the listing's total when the provider says (0 when not).
type PageFunc[E any] func(ctx context.Context) (items []E, last bool, total int, err error)

// Walk turns a FetchPage into a PageFunc that starts at first.
func Walk[E, C any](first C, fetch FetchPage[E, C]) PageFunc[E] {
	cursor := first
	return func(ctx context.Context) ([]E, bool, int, error) {
		p, err := fetch(ctx, cursor)
		if err != nil {
			return nil, false, 0, err
		}
		cursor = p.Next
		return p.Items, p.Last || len(p.Items) == 0, p.Total, nil
	}
}

// KeyedCall is the state of one keyed-write call: its keys, the index of
// existing entities, and the keys its items hold so far.
type KeyedCall[In, E, Out any] struct {
	k        *Keyed[In, E, Out]
	key      func(In) string
	stored   func(E) string
	expected int
	mode     billbridge.Mode
	dup      dedup
	// indexOnly: the keys cannot be looked up one at a time (a field the
	// provider cannot filter by), only found in a walk of every entity.
	indexOnly bool
	keyName   string
	distinct  bool

	mu        sync.Mutex
	page      PageFunc[E]
	index     map[string][]E
	complete  bool // the index holds every entity
	abandoned bool // the index stopped growing: the rest is looked up by key
	pages     int
	budget    int
}

// Begin starts a call. key is an item's natural key ("" for none), stored
// an entity's; expected is the number of items the call will get (0:
// unknown, a stream).
func (k *Keyed[In, E, Out]) Begin(ctx context.Context, key func(In) string, stored func(E) string, expected int) *KeyedCall[In, E, Out] {
	rc := k.Engine.Transport.RequestOf(ctx)
	if expected <= 0 {
		expected = rc.Expected
	}
	return &KeyedCall[In, E, Out]{k: k, key: key, stored: stored, expected: expected, mode: rc.Mode,
		index: map[string][]E{}, keyName: k.KeyName}
}

// KeyName names the call's key in messages, in place of Keyed.KeyName (a
// field the caller chose).
func (kc *KeyedCall[In, E, Out]) KeyName(name string) { kc.keyName = name }

// KeysDistinct marks a call whose keys are distinct by construction (Tight's
// create keys number identical items): Unique then keeps nothing.
func (kc *KeyedCall[In, E, Out]) KeysDistinct() { kc.distinct = true }

// IndexOnly marks a call whose keys cannot be looked up one at a time: they
// are found by walking every entity.
func (kc *KeyedCall[In, E, Out]) IndexOnly() { kc.indexOnly = true }

// Unique passes items on, in order, noting each item whose key an earlier
// item of the call holds: Write refuses it, naming the earlier one. It
// must see every item of the call before Write sees it (it runs where the
// input is read, one item after the other). It keeps a 128-bit hash and an
// index per keyed item: about 40 bytes each.
func (kc *KeyedCall[In, E, Out]) Unique(items iter.Seq[In]) iter.Seq[In] {
	if kc.distinct {
		return items
	}
	return func(yield func(In) bool) {
		index := 0
		for v := range items {
			if key := kc.key(v); key != "" {
				kc.dup.note(index, key)
			}
			index++
			if !yield(v) {
				return
			}
		}
	}
}

// dedup is the record of Unique.
type dedup struct {
	mu   sync.Mutex
	seen map[[16]byte]int
	dups map[int]int // index -> the index of the first item with its key
}

func (d *dedup) note(index int, key string) {
	h := fnv.New128a()
	h.Write([]byte(key))
	var sum [16]byte
	h.Sum(sum[:0])
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.seen == nil {
		d.seen, d.dups = map[[16]byte]int{}, map[int]int{}
	}
	if first, ok := d.seen[sum]; ok {
		d.dups[index] = first
		return
	}
	d.seen[sum] = index
}

func (d *dedup) first(index int) (int, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	first, ok := d.dups[index]
	return first, ok
}

// find returns the entities holding the keys of items. The rule, counted
// in requests: walking the pages into an index costs one request per page
// and then nothing per key; looking up by key costs one request per
// PerRequest keys. So the call walks pages while they cost no more than
// the lookups they replace: up to ⌈expected ÷ PerRequest⌉ pages when the
// number of items is known, else a budget that grows with the keys seen
// (never more than twice the cheaper way). A provider that gives its total
// on the first page (Meteroid) is indexed only when all its pages fit the
// budget. The index stops at maxIndexed entities. Keys the index has not
// settled are looked up by key; keys that cannot be looked up by key make
// the walk go to the end.
func (kc *KeyedCall[In, E, Out]) find(ctx context.Context, items []In) (map[string][]E, int, error) {
	k := kc.k
	per := max(k.PerRequest, 1)
	canLookup := k.Lookup != nil && !kc.indexOnly
	kc.mu.Lock()
	if k.Pages != nil && !kc.complete && !kc.abandoned {
		if kc.page == nil {
			kc.page = k.Pages()
			if kc.expected > 0 {
				kc.budget = (kc.expected + per - 1) / per
			}
		}
		if kc.expected <= 0 {
			kc.budget += (len(items) + per - 1) / per
		}
		// One lookup request is the least a call can spend: a walk is
		// worth it only when it may replace two or more.
		for !kc.complete && !kc.abandoned && (kc.pages < kc.budget && kc.budget >= 2 || !canLookup) {
			page, last, total, err := kc.page(ctx)
			if err != nil {
				kc.mu.Unlock()
				return nil, 0, err
			}
			kc.pages++
			for _, e := range page {
				if key := kc.stored(e); key != "" {
					kc.index[key] = append(kc.index[key], e)
				}
			}
			kc.complete = last
			switch {
			case kc.complete:
			case !canLookup:
			case len(kc.index) > maxIndexed:
				kc.abandoned = true
			case total > 0 && len(page) > 0 && (total+len(page)-1)/len(page) > kc.budget:
				kc.abandoned = true // more pages than lookups: by key is cheaper
			}
		}
		if !kc.complete && kc.expected > 0 && kc.pages >= kc.budget && canLookup {
			kc.abandoned = true // a known number of items: the budget is spent
		}
	}
	found := make(map[string][]E, len(items))
	var rest []In
	for _, it := range items {
		key := kc.key(it)
		if es, ok := kc.index[key]; ok || kc.complete {
			found[key] = es
		} else {
			rest = append(rest, it)
		}
	}
	kc.mu.Unlock()
	if len(rest) == 0 {
		return found, 0, nil
	}
	if !canLookup {
		return nil, 0, fmt.Errorf("%s cannot be looked up one key at a time and the listing could not be read to the end", kc.keyName)
	}
	more, attempts, err := k.Lookup(ctx, kc.key, kc.stored, rest)
	for key, es := range more {
		found[key] = es
	}
	return found, attempts, err
}

// fresh reads the keys of items again, never from the index: a create of
// this call may have made them.
func (kc *KeyedCall[In, E, Out]) fresh(ctx context.Context, items []In) (map[string][]E, int, error) {
	k := kc.k
	if k.Lookup != nil && !kc.indexOnly {
		return k.Lookup(ctx, kc.key, kc.stored, items)
	}
	if k.Pages == nil {
		return nil, 0, errors.New("no way to read the key back")
	}
	found := map[string][]E{}
	walk := k.Pages()
	n := new(int)
	if k.Count != nil {
		ctx, n = k.Count(ctx)
	}
	for {
		page, last, _, err := walk(ctx)
		if err != nil {
			return nil, *n, err
		}
		for _, e := range page {
			if key := kc.stored(e); key != "" {
				found[key] = append(found[key], e)
			}
		}
		if last {
			return found, *n, nil
		}
	}
}

// item is one item on its way through Write.
type item[E any] struct {
	i       int // position in the chunk
	key     string
	found   E
	changes []billbridge.Change
	tried   bool                 // a send of ours may have created it
	refused *billbridge.APIError // a refusal that may mean "key taken"
}

// Write runs the keyed write of items (their input indexes in idx) and
// fills res, aligned with items. Every item ends with a result.
func (kc *KeyedCall[In, E, Out]) Write(ctx context.Context, idx []int, items []In, res []billbridge.Result[Out]) {
	kc.WriteWith(ctx, idx, items, res, kc.k.Create)
}

// WriteWith is Write with creates sent by send instead of Keyed.Create (a
// provider's single-item create, say).
func (kc *KeyedCall[In, E, Out]) WriteWith(ctx context.Context, idx []int, items []In, res []billbridge.Result[Out],
	send func(ctx context.Context, items []In, res []billbridge.Result[Out])) {
	k := kc.k
	var keyed, creates, updates []*item[E]
	for i, it := range items {
		w := &item[E]{i: i, key: kc.key(it)}
		if w.key == "" {
			creates = append(creates, w)
			continue
		}
		if first, dup := kc.dup.first(idx[i]); dup {
			res[i].Err = &billbridge.ValidationError{Index: idx[i], Field: kc.keyName,
				Reason: fmt.Sprintf("%q repeats item %d: an input may hold a natural key once (nothing sent for this item)", w.key, first)}
			continue
		}
		keyed = append(keyed, w)
	}
	if len(keyed) > 0 {
		batchItems := make([]In, len(keyed))
		for j, w := range keyed {
			batchItems[j] = items[w.i]
		}
		found, attempts, err := kc.find(ctx, batchItems)
		for _, w := range keyed {
			res[w.i].Attempts += attempts
			if _, settled := found[w.key]; !settled {
				res[w.i].Err = kc.lookupFailed(err)
				continue
			}
			switch kc.judge(w, found[w.key], items[w.i], &res[w.i], false) {
			case toCreate:
				creates = append(creates, w)
			case toUpdate:
				updates = append(updates, w)
			}
		}
	}
	if kc.mode == billbridge.ModePlan {
		for _, w := range creates {
			res[w.i].Outcome = billbridge.Created
		}
		for _, w := range updates {
			res[w.i].Outcome, res[w.i].Changes, res[w.i].ID, res[w.i].Value = billbridge.Updated, w.changes, k.ID(w.found), k.Value(w.found)
		}
		for i := range res {
			res[i].Planned = res[i].Outcome != ""
		}
		return
	}
	// Creates go in input order, whether they were looked up or not.
	slices.SortFunc(creates, func(a, b *item[E]) int { return a.i - b.i })
	updates = append(updates, kc.create(ctx, items, creates, res, send)...)
	kc.update(ctx, items, updates, res)
}

type decision int

const (
	decided decision = iota
	toCreate
	toUpdate
)

// judge decides an item from the entities found under its key. settled
// says the read follows a send of ours (a lost answer, a refusal).
func (kc *KeyedCall[In, E, Out]) judge(w *item[E], found []E, it In, r *billbridge.Result[Out], settled bool) decision {
	k := kc.k
	switch len(found) {
	case 0:
		return toCreate
	case 1:
	default:
		r.Err = &billbridge.APIError{Provider: k.Engine.Provider.Name, Operation: k.Op, Code: "conflict", Param: kc.keyName,
			Err: billbridge.ErrConflict, StatusCode: http.StatusOK,
			Message: fmt.Sprintf("%s %q is held by %d entities (%s, %s, ...): which one is the item's cannot be told", kc.keyName, w.key, len(found), k.ID(found[0]), k.ID(found[1]))}
		r.Outcome, r.Status = billbridge.Conflict, http.StatusOK
		return decided
	}
	w.found = found[0]
	w.changes = k.Compare.Diff(it, w.found)
	if len(w.changes) == 0 {
		r.Err, r.Status, r.ID, r.Value, r.Existing = nil, http.StatusOK, k.ID(w.found), k.Value(w.found), true
		r.Outcome = billbridge.Unchanged
		if settled && w.tried {
			r.Outcome = billbridge.Created // our own lost create
		}
		return decided
	}
	if kc.mode == billbridge.ModeCreate {
		kc.conflict(w, r, "")
		return decided
	}
	return toUpdate
}

// conflict makes r the conflict of w: its key holds an entity with other
// data. why, when set, says why it was not updated.
func (kc *KeyedCall[In, E, Out]) conflict(w *item[E], r *billbridge.Result[Out], why string) {
	k := kc.k
	c := w.changes[0]
	msg := fmt.Sprintf("%s %q is in use by %s %s, whose %s differs (stored %q, sent %q)", kc.keyName, w.key, k.Entity, k.ID(w.found), c.Field, c.Stored, c.Sent)
	if len(w.changes) > 1 {
		msg += fmt.Sprintf(", and %d more fields", len(w.changes)-1)
	}
	if why != "" {
		msg += ": " + why
	}
	// The status of the answer that showed the conflict: the create's own
	// refusal (the key is in use), else the lookup's.
	status := http.StatusOK
	if w.refused != nil {
		status = ConflictStatus(w.refused.StatusCode, http.StatusOK)
	}
	r.Err = &billbridge.APIError{Provider: k.Engine.Provider.Name, Operation: k.Op, Code: "conflict", Param: c.Field,
		Err: billbridge.ErrConflict, StatusCode: status, Message: msg}
	// ID stays empty: the entity is not the item's (the message names it).
	r.Status, r.Outcome, r.Changes, r.ID = status, billbridge.Conflict, w.changes, ""
}

// lookupFailed is the error of an item whose key could not be looked up:
// the lookup's own error (its operation, status and code), marked as not
// sent, since nothing was sent for the item.
func (kc *KeyedCall[In, E, Out]) lookupFailed(err error) error {
	if err == nil {
		err = errors.New("the lookup did not settle the key")
	}
	var prev *billbridge.APIError
	if !errors.As(err, &prev) {
		return &billbridge.APIError{Provider: kc.k.Engine.Provider.Name, Operation: kc.k.Op, Retryable: true,
			Message: fmt.Sprintf("not sent: looking %s up failed: %v", kc.keyName, err),
			Err:     fmt.Errorf("%w: %w", billbridge.ErrNotSent, err)}
	}
	ae := *prev
	ae.Message = fmt.Sprintf("not sent: looking %s up failed: %s", kc.keyName, prev.Message)
	if !errors.Is(prev, billbridge.ErrNotSent) {
		ae.Err = billbridge.ErrNotSent
		if prev.Err != nil {
			ae.Err = fmt.Errorf("%w: %w", billbridge.ErrNotSent, prev.Err)
		}
	}
	return &ae
}

// create sends the creates in rounds and settles those in doubt; it
// returns the items found holding other data in ModeUpsert, to update.
func (kc *KeyedCall[In, E, Out]) create(ctx context.Context, items []In, pending []*item[E], res []billbridge.Result[Out],
	send func(ctx context.Context, items []In, res []billbridge.Result[Out])) (updates []*item[E]) {
	k := kc.k
	rounds := max(k.Rounds, 1)
	for round := 1; len(pending) > 0; round++ {
		if err := ctx.Err(); err != nil {
			for _, w := range pending {
				if !w.tried {
					res[w.i].Err, res[w.i].Status = k.Engine.NotSent(k.Op, context.Cause(ctx)), 0
				}
			}
			return updates
		}
		batchItems := make([]In, len(pending))
		sub := make([]billbridge.Result[Out], len(pending))
		for j, w := range pending {
			batchItems[j] = items[w.i]
		}
		send(ctx, batchItems, sub)
		var settle, next []*item[E]
		for j, w := range pending {
			r := &res[w.i]
			r.Attempts += sub[j].Attempts
			r.Err, r.Status, r.ID, r.Value, r.RequestID = sub[j].Err, sub[j].Status, sub[j].ID, sub[j].Value, sub[j].RequestID
			var ae *billbridge.APIError
			// Surely not created (429s): sent again, with a key or without.
			again := errors.Is(r.Err, billbridge.ErrNotSent) && ctx.Err() == nil && !errors.Is(r.Err, billbridge.ErrUnauthorized)
			switch {
			case r.Err == nil:
				r.Outcome = billbridge.Created
			case w.key == "" && again:
				next = append(next, w)
			case w.key == "": // nothing to settle by: the error stands
			case errors.Is(r.Err, billbridge.ErrOutcomeUnknown):
				w.tried = true
				settle = append(settle, w)
			case k.KeyTaken != nil && k.KeyTaken(*r) && errors.As(r.Err, &ae):
				w.refused = ae
				settle = append(settle, w)
			case again:
				next = append(next, w)
			}
		}
		if len(settle) > 0 {
			next = append(next, kc.settle(ctx, items, settle, res, &updates)...)
		}
		if round >= rounds {
			return updates // the last error of each stays
		}
		pending = next
	}
	return updates
}

// settle reads the keys of creates in doubt back: found, judged as before
// a send; absent after a lost answer, returned to be sent again; absent
// after a refusal, the refusal stands.
func (kc *KeyedCall[In, E, Out]) settle(ctx context.Context, items []In, ws []*item[E], res []billbridge.Result[Out], updates *[]*item[E]) (again []*item[E]) {
	batchItems := make([]In, len(ws))
	for j, w := range ws {
		batchItems[j] = items[w.i]
	}
	found, attempts, err := kc.fresh(ctx, batchItems)
	for _, w := range ws {
		r := &res[w.i]
		r.Attempts += attempts
		if _, settled := found[w.key]; !settled {
			// The create's own error stays (unknown, or the refusal); the
			// failed read is added to its text.
			r.Err = fmt.Errorf("%w (reading %s %q back failed: %v)", r.Err, kc.keyName, w.key, err)
			continue
		}
		es := found[w.key]
		if len(es) == 0 {
			if w.refused != nil {
				continue // nothing holds the key: the refusal was about something else
			}
			// Our send did not create it: sending again cannot duplicate.
			// If no round is left, the unknown outcome stays, saying so: an
			// effect that lands late cannot be ruled out.
			r.Err = fmt.Errorf("%w (read back: no entity holds %s %q yet)", r.Err, kc.keyName, w.key)
			again = append(again, w)
			continue
		}
		if kc.judge(w, es, items[w.i], r, true) == toUpdate {
			w.refused = nil
			*updates = append(*updates, w)
		}
	}
	return again
}

// update writes the items found holding other data (ModeUpsert).
func (kc *KeyedCall[In, E, Out]) update(ctx context.Context, items []In, ws []*item[E], res []billbridge.Result[Out]) {
	if len(ws) == 0 {
		return
	}
	k := kc.k
	if k.Update == nil {
		for _, w := range ws {
			kc.conflict(w, &res[w.i], "the provider cannot update it")
		}
		return
	}
	found := make([]E, len(ws))
	batchItems := make([]In, len(ws))
	changes := make([][]billbridge.Change, len(ws))
	sub := make([]billbridge.Result[Out], len(ws))
	for j, w := range ws {
		found[j], batchItems[j], changes[j] = w.found, items[w.i], w.changes
	}
	k.Update(ctx, found, batchItems, changes, sub)
	for j, w := range ws {
		r := &res[w.i]
		r.Attempts += sub[j].Attempts
		r.Err, r.Status, r.RequestID = sub[j].Err, sub[j].Status, sub[j].RequestID
		r.Changes, r.ID, r.Value = w.changes, k.ID(w.found), sub[j].Value
		switch {
		case r.Err == nil:
			r.Outcome, r.Existing = billbridge.Updated, false
		case errors.Is(r.Err, billbridge.ErrConflict):
			r.Outcome = billbridge.Conflict
		}
	}
}

// Repeats records the keys of a call's items in input order (Note, where
// the input is read) and tells an item whose key an earlier item holds
// (First), for the calls that are not keyed writes (Tight's sends). It
// keeps a 128-bit hash and an index per item: about 40 bytes each.
type Repeats struct{ d dedup }

// Note records the key of the item at index.
func (r *Repeats) Note(index int, key string) { r.d.note(index, key) }

// First returns the index of the earlier item holding the key of the item
// at index, and whether there is one.
func (r *Repeats) First(index int) (int, bool) { return r.d.first(index) }
