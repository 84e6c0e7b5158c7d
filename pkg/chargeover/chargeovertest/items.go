package chargeovertest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/billbridge/billbridge/gen/chargeoverapi"
	"github.com/billbridge/billbridge/gen/chargeoverserver"
	"github.com/billbridge/billbridge/pkg/flex"
)

// firstItemID is the item_id of the first item.
const firstItemID = 100

// items is the item part of the store; the store's mutex guards it.
type items struct {
	list  []chargeoverapi.Item
	views []map[string]any
	// used holds every external_key ever given to an item: never released.
	used   map[string]int
	schema *openapi3.Schema
	fields map[string]bool
}

func newItems(spec *openapi3.T) (items, error) {
	create, read := spec.Components.Schemas["ItemCreate"], spec.Components.Schemas["Item"]
	if create == nil || create.Value == nil || read == nil || read.Value == nil {
		return items{}, fmt.Errorf("chargeovertest: spec has no ItemCreate or Item schema")
	}
	fields := map[string]bool{}
	for name := range read.Value.Properties {
		fields[name] = true
	}
	return items{used: map[string]int{}, schema: create.Value, fields: fields}, nil
}

// createItemLocked creates an item: 201 and its id, or 400 and the reason.
// The caller holds the lock.
func (st *store) createItemLocked(in chargeoverapi.ItemCreate) (int64, int, string) {
	if strings.TrimSpace(in.Name) == "" {
		return 0, http.StatusBadRequest, msgInvalid + " name is required and must not be empty."
	}
	if in.ExternalKey != nil {
		if _, taken := st.items.used[*in.ExternalKey]; taken {
			return 0, http.StatusBadRequest, fmt.Sprintf("An item with external key %q already exists (external keys are never reusable).", *in.ExternalKey)
		}
	}
	var out chargeoverapi.Item
	b, _ := json.Marshal(in)
	if err := json.Unmarshal(b, &out); err != nil { // the create fields keep their names
		return 0, http.StatusBadRequest, msgInvalid + " " + err.Error()
	}
	id := firstItemID + int64(len(st.items.list))
	out.ItemId = json.Number(strconv.FormatInt(id, 10))
	if out.Enabled == nil {
		on := flex.Bool(true)
		out.Enabled = &on
	}
	now := time.Now().UTC().Format("2006-01-02 15:04:05")
	out.WriteDatetime = &now
	st.items.list = append(st.items.list, out)
	st.items.views = append(st.items.views, view(out))
	st.event("item", out.ItemId, "insert", out)
	if in.ExternalKey != nil {
		st.items.used[*in.ExternalKey] = len(st.items.list) - 1
	}
	return id, http.StatusCreated, ""
}

// itemByKey finds an item by external_key; the caller holds the lock.
func (st *store) itemByKey(key string) (chargeoverapi.Item, bool) {
	i, ok := st.items.used[key]
	if !ok {
		return chargeoverapi.Item{}, false
	}
	return st.items.list[i], true
}

// itemByID finds an item by item_id; the caller holds the lock.
func (st *store) itemByID(id int64) (chargeoverapi.Item, bool) {
	i := id - firstItemID
	if i < 0 || i >= int64(len(st.items.list)) {
		return chargeoverapi.Item{}, false
	}
	return st.items.list[i], true
}

// listItems runs a query; the caller holds the lock.
func (st *store) listItems(q query) []chargeoverapi.Item {
	out := []chargeoverapi.Item{}
	for _, i := range selectViews(st.items.views, func(int) bool { return false }, q) {
		out = append(out, st.items.list[i])
	}
	return out
}

// CreateItem creates one item.
func (h *handler) CreateItem(_ context.Context, req chargeoverserver.CreateItemRequestObject) (chargeoverserver.CreateItemResponseObject, error) {
	h.st.mu.Lock()
	id, status, msg := h.st.createItemLocked(*req.Body)
	h.st.mu.Unlock()
	if status != http.StatusCreated {
		return chargeoverserver.CreateItem400JSONResponse(envelope(status, msg)), nil
	}
	return chargeoverserver.CreateItem201JSONResponse(created(id)), nil
}

// ListItems answers one page of an item query.
func (h *handler) ListItems(_ context.Context, req chargeoverserver.ListItemsRequestObject) (chargeoverserver.ListItemsResponseObject, error) {
	p := req.Params
	q, err := parseQueryOf(h.st.items.fields, p.Where, p.Order, p.Offset, p.Limit)
	if err != nil {
		return chargeoverserver.ListItems400JSONResponse(envelope(http.StatusBadRequest, msgInvalid+" "+err.Error())), nil
	}
	h.st.mu.Lock()
	page := h.st.listItems(q)
	h.st.mu.Unlock()
	empty := ""
	return chargeoverserver.ListItems200JSONResponse{
		Code: http.StatusOK, Status: chargeoverapi.EnvelopeStatusOK, Message: &empty, Details: emptyDetails(), Response: page,
	}, nil
}

// GetItem reads one item.
func (h *handler) GetItem(_ context.Context, req chargeoverserver.GetItemRequestObject) (chargeoverserver.GetItemResponseObject, error) {
	h.st.mu.Lock()
	it, ok := h.st.itemByID(req.ItemId)
	h.st.mu.Unlock()
	if !ok {
		msg := fmt.Sprintf("%s No item has item_id %d.", msgNotFound, req.ItemId)
		return chargeoverserver.GetItem404JSONResponse{NotFoundJSONResponse: chargeoverserver.NotFoundJSONResponse(envelope(http.StatusNotFound, msg))}, nil
	}
	empty := ""
	return chargeoverserver.GetItem200JSONResponse{
		Code: http.StatusOK, Status: chargeoverapi.EnvelopeStatusOK, Message: &empty, Details: emptyDetails(), Response: it,
	}, nil
}

// subItem runs the _bulk sub-requests on /api/v3/item: POST (a create),
// GET with a query (a page), GET by item_id or external_key:<key>; ok is
// false for any other. The caller holds the lock.
func (h *handler) subItem(sub chargeoverapi.BulkSubRequest, path, rawQuery string) (chargeoverapi.BulkItemResult, bool) {
	const base = "/api/v3/item"
	st := h.st
	if res, ok := subCollection(sub, path, rawQuery, base, st.items.schema, st.items.fields, st.createItemLocked, st.listItems); ok {
		return res, true
	}
	rest, ok := strings.CutPrefix(path, base+"/")
	if !ok || sub.RequestMethod != chargeoverapi.BulkGET {
		return chargeoverapi.BulkItemResult{}, false
	}
	var it chargeoverapi.Item
	if key, isKey := strings.CutPrefix(rest, "external_key:"); isKey {
		k, err := url.PathUnescape(key)
		if err == nil {
			it, ok = st.itemByKey(k)
		}
		if !ok {
			return subError(http.StatusNotFound, fmt.Sprintf("%s No item has external key %q.", msgNotFound, k)), true
		}
		return subOK(http.StatusOK, it), true
	}
	id, err := strconv.ParseInt(rest, 10, 64)
	if err != nil {
		return chargeoverapi.BulkItemResult{}, false
	}
	if it, ok = st.itemByID(id); !ok {
		return subError(http.StatusNotFound, fmt.Sprintf("%s No item has item_id %d.", msgNotFound, id)), true
	}
	return subOK(http.StatusOK, it), true
}

// Items returns every item in creation order.
func (s *Server) Items() []chargeoverapi.Item {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	out := make([]chargeoverapi.Item, len(s.st.items.list))
	for i, it := range s.st.items.list {
		b, _ := json.Marshal(it)
		_ = json.Unmarshal(b, &out[i]) // a deep copy
	}
	return out
}
