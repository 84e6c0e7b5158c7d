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
)

// firstID is the customer_id of the first customer; ids then increase by one.
const firstID = 1000

// store holds the customers. One mutex guards everything, so that a bulk call
// can run all its sub-requests as one atomic step.
type store struct {
	mu        sync.Mutex
	nextID    int64
	customers []chargeoverapi.Customer
	// used holds every external_key ever given to a customer. ChargeOver never
	// releases a key (not even on deletion), so this set only grows.
	used   map[string]int // key -> index in customers
	schema *openapi3.Schema
}

func newStore(spec *openapi3.T) (*store, error) {
	ref := spec.Components.Schemas["CustomerCreate"]
	if ref == nil || ref.Value == nil {
		return nil, fmt.Errorf("chargeovertest: spec has no CustomerCreate schema")
	}
	return &store{nextID: firstID, used: map[string]int{}, schema: ref.Value}, nil
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
	if c.ExternalKey != nil {
		st.used[*c.ExternalKey] = len(st.customers) - 1
	}
	return id, http.StatusCreated, ""
}

// byKey finds a customer by external_key; the caller holds the lock.
func (st *store) byKey(key string) (chargeoverapi.Customer, bool) {
	i, ok := st.used[key]
	if !ok {
		return chargeoverapi.Customer{}, false
	}
	return st.customers[i], true
}

// validate checks a bulk sub-request's payload against the spec's
// CustomerCreate schema, as the frame checks a createCustomer body, and
// decodes it.
func (st *store) validate(payload *json.RawMessage) (chargeoverapi.CustomerCreate, string) {
	var c chargeoverapi.CustomerCreate
	if payload == nil {
		return c, msgInvalid + " payload is required for POST /api/v3/customer."
	}
	var value any
	if err := json.Unmarshal(*payload, &value); err != nil {
		return c, msgInvalid + " payload is not JSON: " + err.Error()
	}
	if err := st.schema.VisitJSON(value, openapi3.MultiErrors()); err != nil {
		if me, ok := err.(openapi3.MultiError); ok && len(me) > 0 {
			err = me[0]
		}
		field, reason := specguard.Field(err), specguard.Reason(err)
		if field != "" {
			return c, fmt.Sprintf("%s invalid value for %s: %s", msgInvalid, field, reason)
		}
		return c, msgInvalid + " " + reason
	}
	if err := json.Unmarshal(*payload, &c); err != nil {
		return c, msgInvalid + " " + err.Error()
	}
	return c, ""
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
