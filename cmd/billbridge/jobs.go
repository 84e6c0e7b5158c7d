package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/gen/meteroidapi"
	"github.com/billbridge/billbridge/internal/engine"
	"github.com/billbridge/billbridge/pkg/chargeover"
	"github.com/billbridge/billbridge/pkg/chargeover/chargeovertest"
	"github.com/billbridge/billbridge/pkg/meteroid"
	"github.com/billbridge/billbridge/pkg/meteroid/meteroidtest"
	"github.com/billbridge/billbridge/pkg/option"
	"github.com/billbridge/billbridge/pkg/tight"
	"github.com/billbridge/billbridge/pkg/tight/tighttest"
)

// pushJob is one provider/resource pair, ready to validate and send.
type pushJob interface {
	// check decodes and validates one input line (the first pass); the
	// error names the line and the field. It returns the item's natural
	// keys, which no two lines of one input may share.
	check(line int, raw []byte) ([]itemKey, error)
	// keys returns the natural keys of a line that passed check.
	keys(line int, raw []byte) []itemKey
	// settleable reports whether the line's item may be sent again when an
	// earlier run may have sent it: it is an update, or a create the
	// provider can find by a natural key.
	settleable(line int, raw []byte) bool
	// run makes the calls of a push, streaming the lines each selects
	// from p's input, and returns the client's request counts.
	run(ctx context.Context, p *pushRun, opts []option.Option, calls []call) (func() (int64, int64), error)
	// fake starts an embedded fake and returns the options that point at it.
	fake() ([]option.Option, func(), error)
	// addOptions adds request options to every call of the job (the mode
	// of keyed creates, a key field).
	addOptions(opts ...option.RequestOption)
}

// typedJob is one pair: how a line decodes and validates, and the facade
// call that sends a stream of items.
type typedJob[In, Out any] struct {
	// shape is the Go type of a line as written (In unless the line carries
	// more than the item, as Meteroid's id_or_alias), checked for unknown and
	// duplicate fields.
	shape    reflect.Type
	fields   fieldChecker
	decode   func(raw []byte) (In, error)
	validate func(item In) error
	client   func(opts []option.Option) (sendFunc[In, Out], func() (int64, int64), error)
	// keyOpts, when set, turns the CLI's create keys (key gives the key of
	// the item at an index of the call's stream) into request options.
	keyOpts func(key func(index int) string) []option.RequestOption
	// collect, when set (--fake), sees every item of the first pass, so
	// that the fake can be seeded with what the items refer to.
	collect   func(item In)
	startFake func() ([]option.Option, func(), error)
	// canSettle reports whether an item in doubt may be sent again; nil:
	// always (updates).
	canSettle func(item In) bool
	// naturalKeys returns the values that name the item's entity at the
	// provider (none: it has no natural key; nil: no item has one). Two
	// lines with one key would both be sent, and which one wins would
	// differ from run to run, so the later line is refused. A slice, not
	// one string: a Meteroid line names its customer by id_or_alias and
	// may give it an alias, and the two share one namespace.
	naturalKeys func(item In) []itemKey
	// callOpts are added to every call (see addOptions).
	callOpts []option.RequestOption
}

func (j *typedJob[In, Out]) addOptions(opts ...option.RequestOption) {
	j.callOpts = append(j.callOpts, opts...)
}

func (j *typedJob[In, Out]) check(line int, raw []byte) ([]itemKey, error) {
	item, err := j.parse(line, raw)
	if err != nil {
		return nil, err
	}
	if j.collect != nil {
		j.collect(item)
	}
	if j.naturalKeys == nil {
		return nil, nil
	}
	return j.naturalKeys(item), nil
}

func (j *typedJob[In, Out]) keys(line int, raw []byte) []itemKey {
	item, err := j.parse(line, raw)
	if err != nil || j.naturalKeys == nil {
		return nil
	}
	return j.naturalKeys(item)
}

func (j *typedJob[In, Out]) settleable(line int, raw []byte) bool {
	if j.canSettle == nil {
		return true
	}
	item, err := j.parse(line, raw)
	return err == nil && j.canSettle(item)
}

// parse decodes and validates one line.
func (j *typedJob[In, Out]) parse(line int, raw []byte) (In, error) {
	var zero In
	if err := checkText(raw); err != nil {
		return zero, fmt.Errorf("line %d: %v", line, err)
	}
	if !json.Valid(raw) {
		var v any
		err := json.Unmarshal(raw, &v)
		return zero, fmt.Errorf("line %d: not valid JSON: %v", line, err)
	}
	if raw[0] != '{' {
		return zero, fmt.Errorf("line %d: want a JSON object", line)
	}
	shape := j.shape
	if shape == nil {
		shape = reflect.TypeFor[In]()
	}
	keys, err := j.fields.check(raw, shape)
	if err != nil {
		return zero, fmt.Errorf("line %d: %v", line, err)
	}
	if keys == 0 {
		return zero, fmt.Errorf("line %d: empty object: nothing to send", line)
	}
	item, err := j.decode(raw)
	if err != nil {
		return zero, fmt.Errorf("line %d: %w", line, err)
	}
	if err := j.validate(item); err != nil {
		var ve *billbridge.ValidationError
		if errors.As(err, &ve) {
			if ve.Field == "" {
				return zero, fmt.Errorf("line %d: %s", line, ve.Reason)
			}
			return zero, fmt.Errorf("line %d: field %s: %s", line, ve.Field, ve.Reason)
		}
		return zero, fmt.Errorf("line %d: %w", line, err)
	}
	// Only nulls (or, with --allow-unknown-fields, only unknown fields):
	// the provider would get an empty object.
	if reflect.ValueOf(item).IsZero() {
		return zero, fmt.Errorf("line %d: no field has a value: nothing to send", line)
	}
	return item, nil
}

func (j *typedJob[In, Out]) run(ctx context.Context, p *pushRun, opts []option.Option, calls []call) (func() (int64, int64), error) {
	send, counts, err := j.client(opts)
	if err != nil {
		return nil, usagef("%v", err)
	}
	for _, c := range calls {
		// The number of lines the call sends lets the keyed creates
		// choose between walking the account's pages and looking keys up.
		expected := 0
		for n := 1; n <= p.total; n++ {
			if c.selects(n) {
				expected++
			}
		}
		c.opts = append(slices.Clip(c.opts), j.callOpts...)
		c.opts = append(c.opts, option.WithExpectedItems(expected))
		if j.keyOpts != nil {
			c.opts = append(slices.Clip(c.opts), j.keyOpts(func(index int) string {
				if h := p.keys.Load(); h != nil {
					return h.key(index)
				}
				return ""
			})...)
		}
		if err := runCall(ctx, p, j, send, c); err != nil {
			return counts, err
		}
	}
	return counts, nil
}

func (j *typedJob[In, Out]) fake() ([]option.Option, func(), error) { return j.startFake() }

// strictDecode decodes raw into a value of type T, refusing type mismatches
// with the field's name. (json.Unmarshal, not a json.Decoder: a decoder per
// line costs a buffer and a copy of the line, for every line of both passes.)
func strictDecode[T any](raw []byte) (T, error) {
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return v, fmt.Errorf("field %s: want %s, got JSON %s", strings.ReplaceAll(te.Field, ".", "/"), te.Type, te.Value)
		}
		return v, err
	}
	return v, nil
}

// readBackFirst is the request option of the calls that settle lines in
// doubt on --resume: every keyed create is read back before it is sent
// (found with the same data: existing, nothing sent; other data: a
// conflict; absent: sent).
func readBackFirst() []option.RequestOption {
	return []option.RequestOption{option.WithReadBackFirst()}
}

// The Tight facade's default create key counts identical items within one
// call, which a resume (a call over part of the input) would count
// differently; the CLI gives its own key instead, a hash of the line's
// bytes and number (see createKey): the same for a re-run or a resume of
// the same file, and nothing remembered per line.
func tightCustomerKeys(key func(index int) string) []option.RequestOption {
	return []option.RequestOption{tight.WithCreateKey(func(i int, _ tight.CustomerInput) string { return key(i) })}
}

func tightInvoiceKeys(key func(index int) string) []option.RequestOption {
	return []option.RequestOption{tight.WithInvoiceCreateKey(func(i int, _ tight.InvoiceInput) string { return key(i) })}
}

// newJob returns the job of one provider/resource pair.
func newJob(provider, resource string, f *pushFlags) (pushJob, error) {
	fields := fieldChecker{allowUnknown: f.allowUnknownFields}
	switch provider + " " + resource {
	case "tight customers":
		return &typedJob[tight.CustomerInput, tight.Customer]{
			fields:   fields,
			decode:   strictDecode[tight.CustomerInput],
			validate: tight.ValidateCustomer,
			keyOpts:  tightCustomerKeys,
			// A Tight line without an id creates: it has no natural key.
			naturalKeys: func(it tight.CustomerInput) []itemKey { return keyOf("id", it.Id) },
			client: func(opts []option.Option) (sendFunc[tight.CustomerInput, tight.Customer], func() (int64, int64), error) {
				c, err := tight.New(opts...)
				if err != nil {
					return nil, nil, err
				}
				return c.SaveCustomersSeq, c.Counts, nil
			},
			startFake: func() ([]option.Option, func(), error) { return startTightFake() },
		}, nil
	case "tight invoices":
		var seeds customerSet
		j := &typedJob[tight.InvoiceInput, tight.Invoice]{
			fields:      fields,
			decode:      strictDecode[tight.InvoiceInput],
			validate:    tight.ValidateInvoice,
			keyOpts:     tightInvoiceKeys,
			naturalKeys: func(it tight.InvoiceInput) []itemKey { return keyOf("id", it.Id) },
			client: func(opts []option.Option) (sendFunc[tight.InvoiceInput, tight.Invoice], func() (int64, int64), error) {
				c, err := tight.New(opts...)
				if err != nil {
					return nil, nil, err
				}
				return c.SaveInvoicesSeq, c.Counts, nil
			},
			startFake: func() ([]option.Option, func(), error) { return startTightFake(seeds.ids...) },
		}
		if f.fake {
			j.collect = func(it tight.InvoiceInput) {
				if it.CustomerId != nil {
					seeds.add(*it.CustomerId)
				}
			}
		}
		return j, nil
	case "chargeover customers":
		if f.site != "" {
			if f.baseURL != "" {
				return nil, usagef("give --site or --base-url, not both")
			}
			if err := chargeover.CheckSite(f.site); err != nil {
				return nil, usagef("--site: %v", err)
			}
			f.baseURL = "https://" + f.site + ".chargeover.com"
		}
		if f.baseURL == "" && !f.fake && os.Getenv(chargeover.EnvBaseURL) == "" {
			return nil, usagef("chargeover has one host per account: give --site NAME or --base-url URL (or set %s)", chargeover.EnvBaseURL)
		}
		return &typedJob[chargeover.CustomerCreate, int64]{
			fields:   fields,
			decode:   strictDecode[chargeover.CustomerCreate],
			validate: chargeover.ValidateCustomer,
			client: func(opts []option.Option) (sendFunc[chargeover.CustomerCreate, int64], func() (int64, int64), error) {
				c, err := chargeover.New(opts...)
				if err != nil {
					return nil, nil, err
				}
				return c.CreateCustomersSeq, c.Counts, nil
			},
			startFake: func() ([]option.Option, func(), error) {
				srv, err := chargeovertest.Start()
				if err != nil {
					return nil, nil, err
				}
				return []option.Option{option.WithBaseURL(srv.URL), option.WithBasicAuth(srv.Username, srv.Password)}, srv.Close, nil
			},
			// A create is found again only by its external_key.
			canSettle:   func(it chargeover.CustomerCreate) bool { return it.ExternalKey != nil && *it.ExternalKey != "" },
			naturalKeys: func(it chargeover.CustomerCreate) []itemKey { return keyOf("external_key", it.ExternalKey) },
		}, nil
	case "meteroid customers":
		var seeds customerSet
		j := &typedJob[meteroid.CustomerUpdate, meteroid.Customer]{
			shape:    reflect.TypeFor[meteroidLine](),
			fields:   fields,
			decode:   decodeMeteroidUpdate,
			validate: meteroid.ValidateCustomerUpdate,
			naturalKeys: func(u meteroid.CustomerUpdate) []itemKey {
				return append([]itemKey{{"id_or_alias", u.IDOrAlias}}, keyOf("alias", u.Patch.Alias)...)
			},
			client: func(opts []option.Option) (sendFunc[meteroid.CustomerUpdate, meteroid.Customer], func() (int64, int64), error) {
				c, err := meteroid.New(opts...)
				if err != nil {
					return nil, nil, err
				}
				return c.PatchCustomersSeq, c.Counts, nil
			},
			startFake: func() ([]option.Option, func(), error) { return startMeteroidFake(seeds.ids) },
		}
		if f.fake {
			j.collect = func(u meteroid.CustomerUpdate) { seeds.add(u.IDOrAlias) }
		}
		return j, nil
	}
	return nil, usagef("unknown provider/resource %q; pairs: tight customers, tight invoices, chargeover customers, meteroid customers", provider+" "+resource)
}

// newSyncJob returns the job of "billbridge sync <provider> customers":
// lines in the create shape, written by natural key (upsert by default):
// ChargeOver's external_key, Meteroid's alias, for Tight the field --key
// names.
func newSyncJob(provider, resource string, f *pushFlags) (pushJob, error) {
	if resource != "customers" {
		return nil, usagef("sync knows customers only (sync %s customers); got %q", provider, resource)
	}
	switch provider {
	case "tight":
		if f.key == "" {
			return nil, usagef("sync tight customers needs --key FIELD (e.g. --key email or --key customData.crm_id): Tight has no unique field of its own, and push's create key, a hash of the line, finds a re-run of the same line but never an edited one")
		}
		job, err := newJob("tight", "customers", f)
		if err != nil {
			return nil, err
		}
		j := job.(*typedJob[tight.CustomerInput, tight.Customer])
		path := strings.ReplaceAll(f.key, ".", "/")
		j.keyOpts = nil // the key field, not a create key, finds the customer
		j.naturalKeys = func(it tight.CustomerInput) []itemKey {
			if k, ok := engine.FieldValue(it, path); ok {
				return []itemKey{{f.key, k}}
			}
			return nil
		}
		j.canSettle = func(it tight.CustomerInput) bool { return len(j.naturalKeys(it)) > 0 }
		j.addOptions(tight.WithKeyField(f.key))
		return j, nil
	case "chargeover":
		if f.key != "" && f.key != "external_key" {
			return nil, usagef("--key %s: ChargeOver customers are keyed by external_key (the only field ChargeOver keeps unique)", f.key)
		}
		return newJob("chargeover", "customers", f)
	case "meteroid":
		if f.key != "" && f.key != "alias" {
			return nil, usagef("--key %s: Meteroid customers are keyed by alias (the only field Meteroid keeps unique)", f.key)
		}
		return &typedJob[meteroid.CustomerCreate, meteroid.Customer]{
			fields:      fieldChecker{allowUnknown: f.allowUnknownFields},
			decode:      strictDecode[meteroid.CustomerCreate],
			validate:    meteroid.ValidateCustomer,
			naturalKeys: func(it meteroid.CustomerCreate) []itemKey { return keyOf("alias", it.Alias) },
			canSettle:   func(it meteroid.CustomerCreate) bool { return it.Alias != nil && *it.Alias != "" },
			client: func(opts []option.Option) (sendFunc[meteroid.CustomerCreate, meteroid.Customer], func() (int64, int64), error) {
				c, err := meteroid.New(opts...)
				if err != nil {
					return nil, nil, err
				}
				return c.CreateCustomersSeq, c.Counts, nil
			},
			startFake: func() ([]option.Option, func(), error) { return startMeteroidFake(nil) },
		}, nil
	}
	return nil, usagef("unknown provider %q; sync knows tight, chargeover and meteroid customers", provider)
}

// keyOf is the natural key held by an optional field: none when it is
// absent or empty.
func keyOf(field string, v *string) []itemKey {
	if v == nil || *v == "" {
		return nil
	}
	return []itemKey{{field, *v}}
}

// customerSet collects the distinct customers the items of a push to an
// embedded fake refer to (its memory grows with them: --fake is for trying
// things out).
type customerSet struct {
	seen map[string]bool
	ids  []string
}

func (s *customerSet) add(id string) {
	if s.seen == nil {
		s.seen = map[string]bool{}
	}
	if !s.seen[id] {
		s.seen[id] = true
		s.ids = append(s.ids, id)
	}
}

// startTightFake starts a Tight fake holding the given customers (invoices
// must name an existing customer) and returns client-credential options.
func startTightFake(customers ...string) ([]option.Option, func(), error) {
	srv, err := tighttest.Start()
	if err != nil {
		return nil, nil, err
	}
	if len(customers) > 0 {
		if err := seedTightCustomers(srv, customers); err != nil {
			srv.Close()
			return nil, nil, err
		}
	}
	return []option.Option{option.WithBaseURL(srv.URL), option.WithClientCredentials(srv.ClientID, srv.ClientSecret)}, srv.Close, nil
}

// seedTightCustomers creates the customers invoices refer to, through the
// facade itself, so the fake's upsert-by-id keeps their ids.
func seedTightCustomers(srv *tighttest.Server, ids []string) error {
	c, err := tight.New(option.WithBaseURL(srv.URL), option.WithToken(srv.Token))
	if err != nil {
		return err
	}
	items := make([]tight.CustomerInput, len(ids))
	for i, id := range ids {
		items[i] = tight.CustomerInput{Id: &id, Name: ptr("Customer " + id)}
	}
	for _, r := range c.SaveCustomers(context.Background(), items) {
		if r.Err != nil {
			return fmt.Errorf("seeding the fake with customer %s: %w", ids[r.Index], r.Err)
		}
	}
	return nil
}

// meteroidLine is the shape of a Meteroid input line: the patch body and the
// customer it applies to.
type meteroidLine struct {
	IDOrAlias string `json:"id_or_alias"`
	meteroid.CustomerPatch
}

// decodeMeteroidUpdate reads a patch body with a top-level "id_or_alias". A
// line that changes nothing (only the key, nulls or dropped unknown fields)
// is refused: it would be sent as an empty PATCH and reported succeeded.
func decodeMeteroidUpdate(raw []byte) (meteroid.CustomerUpdate, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return meteroid.CustomerUpdate{}, err
	}
	var key string
	if err := json.Unmarshal(fields["id_or_alias"], &key); err != nil || strings.TrimSpace(key) == "" {
		return meteroid.CustomerUpdate{}, fmt.Errorf("field id_or_alias: required, a non-empty string naming the customer")
	}
	delete(fields, "id_or_alias")
	rest, _ := json.Marshal(fields)
	patch, err := strictDecode[meteroid.CustomerPatch](rest)
	if err != nil {
		return meteroid.CustomerUpdate{}, err
	}
	if reflect.ValueOf(patch).IsZero() {
		return meteroid.CustomerUpdate{}, fmt.Errorf("nothing to change: the line names no field of the customer besides id_or_alias")
	}
	return meteroid.CustomerUpdate{IDOrAlias: key, Patch: patch}, nil
}

// startMeteroidFake seeds the fake with the customers the updates name, so a
// push to the fake finds them.
func startMeteroidFake(idsOrAliases []string) ([]option.Option, func(), error) {
	var customers []meteroidapi.Customer
	for _, id := range idsOrAliases {
		customers = append(customers, demoMeteroidCustomer(id))
	}
	srv, err := meteroidtest.Start(meteroidtest.WithCustomers(customers...))
	if err != nil {
		return nil, nil, err
	}
	return []option.Option{option.WithBaseURL(srv.URL), option.WithToken(srv.APIKey)}, srv.Close, nil
}

// demoMeteroidCustomer is a customer known by idOrAlias: an id when it has
// the cus_ prefix, else an alias.
func demoMeteroidCustomer(idOrAlias string) meteroidapi.Customer {
	c := meteroidapi.Customer{
		Name: "Customer " + idOrAlias, Currency: meteroidapi.CurrencyEUR,
		CustomTaxes: []meteroidapi.CustomTax{}, InvoicingEmails: []string{}, InvoicingEntityId: "ive_default",
	}
	if strings.HasPrefix(idOrAlias, "cus_") {
		c.Id = idOrAlias
	} else {
		c.Alias = ptr(idOrAlias)
	}
	return c
}

func ptr[T any](v T) *T { return &v }
