package chargeover

import (
	"context"
	"encoding/json"
	"iter"
	"net/http"
	"net/url"
	"slices"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/gen/chargeoverapi"
	"github.com/billbridge/billbridge/internal/batch"
	"github.com/billbridge/billbridge/internal/engine"
	"github.com/billbridge/billbridge/pkg/option"
)

// Item models, re-exported from the generated package.
type (
	// ItemCreate is the body of an item create: Name is required,
	// ExternalKey is the item's natural key.
	ItemCreate = chargeoverapi.ItemCreate
	// ItemType is service, product or discount.
	ItemType = chargeoverapi.ItemType
	// PriceModelCreate is how an item is priced (flat, per unit, ...).
	PriceModelCreate = chargeoverapi.PriceModelCreate
	// Item is an item as ChargeOver returns it.
	Item = chargeoverapi.Item
)

// Item types.
const (
	ItemService  = chargeoverapi.Service
	ItemProduct  = chargeoverapi.Product
	ItemDiscount = chargeoverapi.Discount
)

// ItemQuery is what ListItems reads: conditions on fields of the Item read
// schema, the order (item_id ascending by default, and the tie-breaker) and
// the page size (0: DefaultPageSize).
type ItemQuery struct {
	// Where are the conditions; none lists every item.
	Where []Condition
	// Order sorts the result; empty means item_id ascending.
	Order []SortKey
	// PageSize is the number of items per request.
	PageSize int
}

const (
	opCreateItem = "createItem"
	opGetItem    = "getItem"
	opListItems  = "listItems"
	itemURI      = "/api/v3/item"
)

// ValidateItem checks an item create against the spec's ItemCreate schema,
// as every create does before sending. It returns a
// *billbridge.ValidationError (Index 0) naming the field, or nil.
func ValidateItem(in ItemCreate) error { return checkItem(0, in) }

func checkItem(index int, in ItemCreate) error {
	return checkWith(itemSchema, index, in)
}

// itemComparer compares an item create with a stored item: every field of
// the spec's ItemCreate, with ChargeOver's normalisation.
var itemComparer = comparerOf(itemSchema)

// itemSchema is the spec's ItemCreate.
var itemSchema = schemaOf("ItemCreate")

// itemKeyed is the keyed create of items, by external_key: looked up by
// walking the item pages (a list carries every field) or 25 keys per _bulk
// call of GET /api/v3/item/external_key:{key}.
func (c *Client) itemKeyed() *engine.Keyed[ItemCreate, Item, int64] {
	return &engine.Keyed[ItemCreate, Item, int64]{
		Engine: c.e, Op: opCreateItem, KeyName: "external_key", Entity: "item",
		Compare: itemComparer(),
		ID:      func(it Item) string { return it.ItemId.String() },
		Value:   func(it Item) int64 { return idOf(it.ItemId) },
		Pages: func() engine.PageFunc[Item] {
			order, _, _ := CustomerQuery{}.orderBy("item_id")
			limit := int32(MaxPageSize)
			return engine.Walk(int64(0), pageFetch[Item](c, opListItems, MaxPageSize, listParams{order: &order, limit: &limit}, c.sendListItems))
		},
		Lookup:     bulkLookup[ItemCreate, Item](c, opGetItem, itemKeyURI, false),
		PerRequest: MaxBatchSize,
		Create:     bulkCreate[ItemCreate](c, itemURI),
		KeyTaken:   func(r billbridge.Result[int64]) bool { return r.Status == http.StatusBadRequest },
		Rounds:     c.rounds,
	}
}

func itemKeyURI(key string) string { return itemURI + "/external_key:" + url.PathEscape(key) }

func (c *Client) sendListItems(ctx context.Context, p listParams) (*http.Response, error) {
	return c.API.ListItems(ctx, &chargeoverapi.ListItemsParams{Where: p.where, Order: p.order, Offset: p.offset, Limit: p.limit})
}

func (c *Client) beginItems(ctx context.Context, expected int) *engine.KeyedCall[ItemCreate, Item, int64] {
	return c.itemKeyed().Begin(ctx, func(in ItemCreate) string { return deref(in.ExternalKey) },
		func(it Item) string { return deref(it.ExternalKey) }, expected)
}

// CreateItems creates items through POST /api/v3/_bulk, up to 25 per call,
// and returns one result per item in input order: Value is the item_id, ID
// the same in decimal. Items with an external_key are keyed writes, exactly
// as CreateCustomers' (found with the same data: Unchanged, nothing sent;
// other data: a conflict; a lost answer: read back, and sent again only
// when absent). Items without one whose answer is lost fail with an error
// wrapping billbridge.ErrOutcomeUnknown and are not sent again.
func (c *Client) CreateItems(ctx context.Context, its []ItemCreate, opts ...option.RequestOption) []billbridge.Result[int64] {
	ctx = c.e.Context(ctx, opts)
	kc := c.beginItems(ctx, len(its))
	for range kc.Unique(slices.Values(its)) {
	}
	return batch.Run(ctx, its, c.e.BatchOptions(c.e.BatchSize), keyedWith(kc, checkItem, bulkCreate[ItemCreate](c, itemURI)))
}

// CreateItemsSeq is CreateItems over a stream, in bounded memory; results
// come in input order as they complete.
func (c *Client) CreateItemsSeq(ctx context.Context, its iter.Seq[ItemCreate], opts ...option.RequestOption) iter.Seq[billbridge.Result[int64]] {
	ctx = c.e.Context(ctx, opts)
	kc := c.beginItems(ctx, 0)
	return batch.Stream(ctx, kc.Unique(its), -1, c.e.BatchOptions(c.e.BatchSize), keyedWith(kc, checkItem, bulkCreate[ItemCreate](c, itemURI)))
}

// CreateItem creates one item through POST /api/v3/item, with the rules
// of CreateItems, and returns its item_id.
func (c *Client) CreateItem(ctx context.Context, item ItemCreate, opts ...option.RequestOption) (int64, error) {
	ctx = c.e.Context(ctx, opts)
	send := func(ctx context.Context, in ItemCreate) (*http.Response, error) { return c.API.CreateItem(ctx, in) }
	r := keyedWith(c.beginItems(ctx, 1), checkItem, directCreate(c, opCreateItem, send))(ctx, []batch.Item[ItemCreate]{{Value: item}})[0]
	return r.Value, r.Err
}

// GetItem reads the item with this item_id (GET /api/v3/item/{item_id}). A
// missing one matches errors.Is(err, billbridge.ErrNotFound); an id below
// 1 is a *billbridge.ValidationError and nothing is sent.
func (c *Client) GetItem(ctx context.Context, id int64, opts ...option.RequestOption) (*Item, error) {
	if id < 1 {
		return nil, &billbridge.ValidationError{Field: "item_id", Reason: "must be at least 1"}
	}
	return readOne[Item](c.e.Context(ctx, opts), c, opGetItem, func(ctx context.Context) (*http.Response, error) {
		return c.API.GetItem(ctx, id)
	})
}

// GetItemByExternalKey reads the item with this external_key (GET
// /api/v3/item/external_key:{key}, sent as a _bulk sub-request). A missing
// one matches errors.Is(err, billbridge.ErrNotFound).
func (c *Client) GetItemByExternalKey(ctx context.Context, key string, opts ...option.RequestOption) (*Item, error) {
	if key == "" {
		return nil, &billbridge.ValidationError{Field: "external_key", Reason: "must not be empty"}
	}
	return getOne[Item](c.e.Context(ctx, opts), c, opGetItem, itemKeyURI(key))
}

// ListItems walks every item matching q (GET /api/v3/item), one page
// request at a time, and yields each once; the paging guarantees are
// ListCustomers', with item_id in place of customer_id.
func (c *Client) ListItems(ctx context.Context, q ItemQuery, opts ...option.RequestOption) iter.Seq2[Item, error] {
	return listWalk(c.e.Context(ctx, opts), c, CustomerQuery(q), "item_id", opListItems, c.sendListItems,
		func(it Item) json.Number { return it.ItemId })
}
