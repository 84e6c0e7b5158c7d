package tight

import "github.com/billbridge/billbridge/internal/validate"

// BreakValidators makes the request schemas unreadable until restore runs,
// for the test that New and reads do without them. Not for parallel tests.
func BreakValidators(err error) (restore func()) {
	old := loadValidators
	loadValidators = func() ([]*validate.Validator, error) { return nil, err }
	return func() { loadValidators = old }
}
