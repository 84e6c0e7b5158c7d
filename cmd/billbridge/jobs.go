package main

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"reflect"
	"slices"
	"strings"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/gen/meteroidapi"
	"github.com/billbridge/billbridge/pkg/chargeover"
	"github.com/billbridge/billbridge/pkg/chargeover/chargeovertest"
	"github.com/billbridge/billbridge/pkg/meteroid"
	"github.com/billbridge/billbridge/pkg/meteroid/meteroidtest"
	"github.com/billbridge/billbridge/pkg/option"
	"github.com/billbridge/billbridge/pkg/tight"
	"github.com/billbridge/billbridge/pkg/tight/tighttest"
)

// newJob returns the job of one provider/resource pair.
func newJob(provider, resource string, f *pushFlags) (pushJob, error) {
	fields := fieldChecker{allowUnknown: f.allowUnknownFields}
	switch provider + " " + resource {
	case "tight customers":
		return &typedJob[tight.CustomerInput, tight.Customer]{
			fields:   fields,
			decode:   strictDecode[tight.CustomerInput],
			validate: tight.ValidateCustomer,
			client: func(ctx context.Context, opts []option.Option, items []tight.CustomerInput) (iter.Seq[billbridge.Result[tight.Customer]], func() (int64, int64), error) {
				c, err := tight.New(opts...)
				if err != nil {
					return nil, nil, err
				}
				return c.SaveCustomersSeq(ctx, slices.Values(items)), c.Counts, nil
			},
			startFake: func([]tight.CustomerInput) ([]option.Option, func(), error) { return startTightFake() },
		}, nil
	case "tight invoices":
		return &typedJob[tight.InvoiceInput, tight.Invoice]{
			fields:   fields,
			decode:   strictDecode[tight.InvoiceInput],
			validate: tight.ValidateInvoice,
			client: func(ctx context.Context, opts []option.Option, items []tight.InvoiceInput) (iter.Seq[billbridge.Result[tight.Invoice]], func() (int64, int64), error) {
				c, err := tight.New(opts...)
				if err != nil {
					return nil, nil, err
				}
				return c.SaveInvoicesSeq(ctx, slices.Values(items)), c.Counts, nil
			},
			startFake: func(items []tight.InvoiceInput) ([]option.Option, func(), error) {
				return startTightFake(customersOf(items)...)
			},
		}, nil
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
		if f.baseURL == "" && !f.fake {
			return nil, usagef("chargeover has one host per account: give --site NAME or --base-url URL")
		}
		return &typedJob[chargeover.CustomerCreate, int64]{
			fields:   fields,
			decode:   strictDecode[chargeover.CustomerCreate],
			validate: chargeover.ValidateCustomer,
			client: func(ctx context.Context, opts []option.Option, items []chargeover.CustomerCreate) (iter.Seq[billbridge.Result[int64]], func() (int64, int64), error) {
				c, err := chargeover.New(opts...)
				if err != nil {
					return nil, nil, err
				}
				return c.CreateCustomersSeq(ctx, slices.Values(items)), c.Counts, nil
			},
			startFake: func([]chargeover.CustomerCreate) ([]option.Option, func(), error) {
				srv, err := chargeovertest.Start()
				if err != nil {
					return nil, nil, err
				}
				return []option.Option{option.WithBaseURL(srv.URL), option.WithBasicAuth(srv.Username, srv.Password)}, srv.Close, nil
			},
		}, nil
	case "meteroid customers":
		return &typedJob[meteroid.Update, meteroid.Customer]{
			shape:    reflect.TypeFor[meteroidLine](),
			fields:   fields,
			decode:   decodeMeteroidUpdate,
			validate: meteroid.ValidateUpdate,
			client: func(ctx context.Context, opts []option.Option, items []meteroid.Update) (iter.Seq[billbridge.Result[meteroid.Customer]], func() (int64, int64), error) {
				c, err := meteroid.New(opts...)
				if err != nil {
					return nil, nil, err
				}
				return c.PatchCustomersSeq(ctx, slices.Values(items)), c.Counts, nil
			},
			startFake: startMeteroidFake,
		}, nil
	}
	return nil, usagef("unknown provider/resource %q; pairs: tight customers, tight invoices, chargeover customers, meteroid customers", provider+" "+resource)
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

func customersOf(items []tight.InvoiceInput) []string {
	seen := map[string]bool{}
	var ids []string
	for _, it := range items {
		if it.CustomerId != nil && !seen[*it.CustomerId] {
			seen[*it.CustomerId] = true
			ids = append(ids, *it.CustomerId)
		}
	}
	return ids
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
func decodeMeteroidUpdate(raw []byte) (meteroid.Update, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return meteroid.Update{}, err
	}
	var key string
	if err := json.Unmarshal(fields["id_or_alias"], &key); err != nil || strings.TrimSpace(key) == "" {
		return meteroid.Update{}, fmt.Errorf("field id_or_alias: required, a non-empty string naming the customer")
	}
	delete(fields, "id_or_alias")
	rest, _ := json.Marshal(fields)
	patch, err := strictDecode[meteroid.CustomerPatch](rest)
	if err != nil {
		return meteroid.Update{}, err
	}
	if reflect.ValueOf(patch).IsZero() {
		return meteroid.Update{}, fmt.Errorf("nothing to change: the line names no field of the customer besides id_or_alias")
	}
	return meteroid.Update{IDOrAlias: key, Patch: patch}, nil
}

// startMeteroidFake seeds the fake with the customers the updates name, so a
// push to the fake finds them.
func startMeteroidFake(items []meteroid.Update) ([]option.Option, func(), error) {
	var customers []meteroidapi.Customer
	seen := map[string]bool{}
	for _, u := range items {
		if seen[u.IDOrAlias] {
			continue
		}
		seen[u.IDOrAlias] = true
		customers = append(customers, demoMeteroidCustomer(u.IDOrAlias))
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
