package specs_test

// cliVerb is a TODO hook: the CLI has no registry of provider resources and
// verbs yet (design.md, "one registry entry in the CLI"; today push, list and
// get each keep their own switch in cmd/billbridge). Until it exists, this
// table says which command runs an operation. When the registry lands,
// replace the table by a look-up in it and delete cliVerbs.
func cliVerb(provider, operation string) (string, bool) {
	v, ok := cliVerbs[provider][operation]
	return v, ok
}

// cliVerbs are today's provider/resource pairs of push (cmd/billbridge
// jobs.go newJob), list and get (readPairs in list_*.go), by the operation
// each one sends.
var cliVerbs = map[string]map[string]string{
	"tight": {
		"saveCustomers":  "push tight customers",
		"saveInvoices":   "push tight invoices",
		"queryCustomers": "list tight customers",
		"getCustomer":    "get tight customers",
		"queryInvoices":  "list tight invoices", // get tight invoices reads a page of it too
	},
	"chargeover": {
		"createCustomer":           "push chargeover customers", // one item at a time
		"bulk":                     "push chargeover customers", // batches through _bulk
		"listCustomers":            "list chargeover customers",
		"getCustomer":              "get chargeover customers <customer_id>",
		"getCustomerByExternalKey": "get chargeover customers external_key:<key>",
	},
	"meteroid": {
		"patchCustomer":  "push meteroid customers",
		"createCustomer": "sync meteroid customers",
		"listCustomers":  "list meteroid customers",
		"getCustomer":    "get meteroid customers",
	},
}
