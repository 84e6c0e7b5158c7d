package tight

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"sync"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/internal/config"
	"github.com/billbridge/billbridge/internal/engine"
	"github.com/billbridge/billbridge/pkg/option"
)

// CreateKeyField is the customData field that carries a create's key. Tight
// has no idempotency key and no unique field of its own, so every create
// (an item without Id) carries one: when the create's outcome is unknown,
// the facade queries the customers or invoices of the same name and looks
// for the key, so that nothing is reported unknown that can be known and
// nothing is created twice. The field counts against customData's limits
// (50 fields, 2,000 characters), which local validation checks.
const CreateKeyField = "billbridge_create_key"

// MaxCustomDataChars is Tight's limit on the JSON of customData.
const MaxCustomDataChars = 2000

// WithCreateKey sets the create key of each customer create (an item
// without Id), e.g. from your own id of the customer; "" leaves an item
// without a key. By default the key is derived from the item's content and
// its occurrence number among identical items of the call's input, so that a
// re-run of the same input produces the same keys (the count keeps one entry
// per distinct item of the call in memory). Keys from the function must be
// distinct within a call: an item given the key of an earlier item is
// refused with a *billbridge.ValidationError naming it, nothing sent.
//
// It is the one spelling of this option: option.WithCreateKey, which took
// the item as an any, is deprecated.
func WithCreateKey(key func(index int, item CustomerInput) string) option.RequestOption {
	return withCreateKey(func(i int, v any) string {
		if c, ok := v.(CustomerInput); ok {
			return key(i, c)
		}
		return ""
	})
}

// WithInvoiceCreateKey is WithCreateKey for invoice creates.
func WithInvoiceCreateKey(key func(index int, item InvoiceInput) string) option.RequestOption {
	return withCreateKey(func(i int, v any) string {
		if c, ok := v.(InvoiceInput); ok {
			return key(i, c)
		}
		return ""
	})
}

// withCreateKey sets the create key function of a call, as the deprecated
// option.WithCreateKey does.
func withCreateKey(key func(index int, item any) string) option.RequestOption {
	return config.RequestFunc(func(r *config.Request) { r.CreateKey = key })
}

// WithKeyField makes a save call's creates keyed by a field of the
// customer or invoice ("email", "customData.crm_id") instead of a create
// key: an existing entity holding the same value is found (by Tight's
// query filter for name and email, else by walking every entity) and
// compared with the item, as option.WithMode says. It is the natural key a
// sync needs: a create key is a hash of the item, so it finds a re-run of
// the same item, never an edited one.
func WithKeyField(path string) option.RequestOption { return option.WithKeyField(path) }

// WithoutCreateKeys switches create keys off: creates then carry nothing
// the facade can find them by, and a create whose outcome is unknown stays
// unknown (an error wrapping billbridge.ErrOutcomeUnknown).
func WithoutCreateKeys() option.RequestOption { return option.WithoutCreateKeys() }

// keyOf returns the create key an item carries, or "".
func keyOf(data *CustomData) string {
	if data == nil {
		return ""
	}
	s, _ := (*data)[CreateKeyField].(string)
	return s
}

// withKey returns data with the key set, in a copy: the caller's map is
// never changed.
func withKey(data *CustomData, key string) *CustomData {
	m := CustomData{}
	if data != nil {
		for k, v := range *data {
			m[k] = v
		}
	}
	m[CreateKeyField] = key
	return &m
}

// keyed stamps a create key on every create of items, in input order, as
// the call's options say (see WithCreateKey). An item that already carries
// one keeps it.
func (s *saver[In, Out]) keyed(ctx context.Context, items iter.Seq[In]) iter.Seq[In] {
	rc := s.e.Transport.RequestOf(ctx)
	if rc.NoCreateKeys || rc.KeyField != "" {
		return items // no keys, or the caller's own field is the key
	}
	return func(yield func(In) bool) {
		seen := map[[32]byte]int{}
		index := 0
		for v := range items {
			if s.kind(v) == 0 && keyOf(s.data(v)) == "" {
				var key string
				if rc.CreateKey != nil {
					key = rc.CreateKey(index, v)
				} else {
					key = contentKey(v, seen)
				}
				if key != "" {
					v = s.setData(v, withKey(s.data(v), key))
				}
			}
			index++
			if !yield(v) {
				return
			}
		}
	}
}

// contentKey is the default create key: a hash of the item's JSON and the
// number of identical items before it in the input.
func contentKey(v any, seen map[[32]byte]int) string {
	raw, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	h := sha256.Sum256(raw)
	n := seen[h]
	seen[h] = n + 1
	return fmt.Sprintf("bb1-%s-%d", hex.EncodeToString(h[:12]), n)
}

// checkCustomData refuses a customData over Tight's size limit, the create
// key included.
func checkCustomData(index int, data *CustomData) error {
	if data == nil {
		return nil
	}
	raw, err := json.Marshal(data)
	if err == nil && len(raw) <= MaxCustomDataChars {
		return nil
	}
	return &billbridge.ValidationError{Index: index, Field: "customData",
		Reason: fmt.Sprintf("holds %d characters of JSON, more than Tight's %d (the create key %s counts)", len(raw), MaxCustomDataChars, CreateKeyField)}
}

// countAttempts returns ctx counting the attempts of its requests into the
// returned counter (a lookup's attempts are the item's).
func countAttempts(e *engine.Engine, ctx context.Context) (context.Context, *int) {
	n := new(int)
	var mu sync.Mutex
	return e.Context(ctx, []option.RequestOption{option.WithMiddleware(func(r *http.Request, next option.MiddlewareNext) (*http.Response, error) {
		mu.Lock()
		*n++
		mu.Unlock()
		return next(r)
	})}), n
}
