package meteroid

// Hooks for the external tests (package meteroid_test): the response
// mapping, fuzzed on its own.
var (
	DecodeCustomerBody = decodeCustomerBody
	ResponseError      = responseError
)
