package chargeovertest

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/billbridge/billbridge/gen/chargeoverapi"
	"github.com/billbridge/billbridge/internal/specguard"
	"github.com/billbridge/billbridge/pkg/fake"
)

// firstID is the customer_id of the first customer; ids then increase by one.
const firstID = 1000

// store holds the customers. One mutex guards everything, so that a bulk call
// can run all its sub-requests as one atomic step.
type store struct {
	mu        sync.Mutex
	nextID    int64
	customers []chargeoverapi.Customer
	// views are the customers as JSON objects (numbers as json.Number), for
	// the where and order of listCustomers; kept in step with customers.
	views []map[string]any
	// used holds every external_key ever given to a customer. ChargeOver never
	// releases a key (not even on deletion or when an update replaces it), so
	// this set only grows; byKey still checks the customer's current key.
	used map[string]int // key -> index in customers
	// gone holds the indexes of deleted customers: their slots stay (ids
	// are never reused), and so do their keys in used.
	gone map[int]bool
	// schema and update are the spec's CustomerCreate and CustomerUpdate;
	// fields are the read schema's property names (what where and order
	// may name).
	schema, update *openapi3.Schema
	fields         map[string]bool
	// inv holds the invoices, tx the transactions, items the items.
	inv   invoices
	tx    transactions
	items items
	// hooks sends the webhooks (nil: none); webhookSeq numbers them.
	hooks      *fake.Webhooks
	webhookSeq int
}

// Customers are never modified in place: an update stores a new value
// decoded from JSON, so a shallow copy of a stored Customer (its pointers
// included) stays valid after the lock is released.

func newStore(spec *openapi3.T) (*store, error) {
	ref := spec.Components.Schemas["CustomerCreate"]
	if ref == nil || ref.Value == nil {
		return nil, fmt.Errorf("chargeovertest: spec has no CustomerCreate schema")
	}
	upd, read := spec.Components.Schemas["CustomerUpdate"], spec.Components.Schemas["Customer"]
	if upd == nil || upd.Value == nil || read == nil || read.Value == nil {
		return nil, fmt.Errorf("chargeovertest: spec has no CustomerUpdate or Customer schema")
	}
	fields := map[string]bool{}
	for name := range read.Value.Properties {
		fields[name] = true
	}
	inv, err := newInvoices(spec)
	if err != nil {
		return nil, err
	}
	tx, err := newTransactions(spec)
	if err != nil {
		return nil, err
	}
	its, err := newItems(spec)
	if err != nil {
		return nil, err
	}
	return &store{nextID: firstID, used: map[string]int{}, gone: map[int]bool{}, schema: ref.Value, update: upd.Value, fields: fields,
		inv: inv, tx: tx, items: its}, nil
}

// create creates a customer under the lock.
func (st *store) create(c chargeoverapi.CustomerCreate) (int64, int, string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.createLocked(c)
}

// createLocked applies ChargeOver's rules beyond the schema and creates the
// customer. It returns the new id and 201, or 400 and the reason.
func (st *store) createLocked(c chargeoverapi.CustomerCreate) (int64, int, string) {
	if strings.TrimSpace(c.Company) == "" {
		return 0, http.StatusBadRequest, msgInvalid + " company is required and must not be empty."
	}
	if c.ExternalKey != nil {
		if _, taken := st.used[*c.ExternalKey]; taken {
			return 0, http.StatusBadRequest, fmt.Sprintf("A customer with external key %q already exists (external keys are never reusable).", *c.ExternalKey)
		}
	}
	cust, err := toCustomer(c)
	if err != nil {
		return 0, http.StatusBadRequest, msgInvalid + " " + err.Error()
	}
	id := st.nextID
	st.nextID++
	cust.CustomerId = json.Number(strconv.FormatInt(id, 10))
	st.customers = append(st.customers, cust)
	st.views = append(st.views, view(cust))
	if c.ExternalKey != nil {
		st.used[*c.ExternalKey] = len(st.customers) - 1
	}
	st.customerEvent("insert", cust)
	return id, http.StatusCreated, ""
}

// byKey finds a customer by external_key; the caller holds the lock.
func (st *store) byKey(key string) (chargeoverapi.Customer, bool) {
	i, ok := st.used[key]
	if !ok || st.gone[i] {
		return chargeoverapi.Customer{}, false
	}
	c := st.customers[i]
	if c.ExternalKey == nil || *c.ExternalKey != key {
		return chargeoverapi.Customer{}, false // a key the customer once held
	}
	return c, true
}

// validate checks a bulk sub-request's payload against the spec's
// CustomerCreate schema, as the frame checks a createCustomer body, and
// decodes it.
func (st *store) validate(payload *json.RawMessage) (chargeoverapi.CustomerCreate, string) {
	var c chargeoverapi.CustomerCreate
	if payload == nil {
		return c, msgInvalid + " payload is required for POST /api/v3/customer."
	}
	msg := checkPayload(st.schema, *payload, &c)
	return c, msg
}

// checkPayload validates a sub-request's payload against schema and decodes
// it into out; it returns ChargeOver's message for a bad one, else "".
func checkPayload(schema *openapi3.Schema, payload json.RawMessage, out any) string {
	c := out
	var value any
	if err := json.Unmarshal(payload, &value); err != nil {
		return msgInvalid + " payload is not JSON: " + err.Error()
	}
	if err := schema.VisitJSON(value, openapi3.MultiErrors()); err != nil {
		if me, ok := err.(openapi3.MultiError); ok && len(me) > 0 {
			err = me[0]
		}
		field, reason := specguard.Field(err), specguard.Reason(err)
		if field != "" {
			return fmt.Sprintf("%s invalid value for %s: %s", msgInvalid, field, reason)
		}
		return msgInvalid + " " + reason
	}
	if err := json.Unmarshal(payload, c); err != nil {
		return msgInvalid + " " + err.Error()
	}
	return ""
}

// toCustomer turns a create body into the customer a read returns: the
// create fields keep their JSON names, so a JSON round trip maps them.
func toCustomer(c chargeoverapi.CustomerCreate) (chargeoverapi.Customer, error) {
	var out chargeoverapi.Customer
	b, err := json.Marshal(c)
	if err != nil {
		return out, err
	}
	err = json.Unmarshal(b, &out)
	return out, err
}

// clone deep-copies a customer, so that callers cannot change the fake's
// state through its pointer fields.
func clone(c chargeoverapi.Customer) chargeoverapi.Customer {
	var out chargeoverapi.Customer
	b, err := json.Marshal(c)
	if err != nil {
		panic(err) // a Customer always marshals
	}
	if err := json.Unmarshal(b, &out); err != nil {
		panic(err)
	}
	return out
}

// equal compares credentials in constant time.
func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }
