// Package exactlyonce holds the test that measures the library's main
// promise under faults: every item of a push ends with one result, none
// unknown that can be known, none lost, none created twice, checked against
// the fakes' own state.
package exactlyonce
