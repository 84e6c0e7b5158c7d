package chargeovertest

import "encoding/json"

// item is one stored item, as invoice lines refer to it.
type item struct {
	ItemId json.Number
	Name   *string
}

// itemByKey finds an item by external_key; the caller holds the lock. The
// fake keeps no items yet.
func (st *store) itemByKey(string) (item, bool) { return item{}, false }
