package validate

import "testing"

// An enum's values are quoted whole up to EnumShown; past that, the first
// EnumShown and the count.
func TestEnumReason(t *testing.T) {
	for _, tc := range []struct {
		enum []any
		want string
	}{
		{[]any{"asc", "desc"}, `value is not one of the allowed values "asc", "desc"`},
		{[]any{"a", "b", "c", "d", "e"}, `value is not one of the allowed values "a", "b", "c", "d", "e"`},
		{[]any{"a", "b", "c", "d", "e", "f"}, `value is not one of the allowed values "a", "b", "c", "d", "e", … (6 values)`},
		{[]any{1.0, true, nil}, `value is not one of the allowed values 1, true, null`},
	} {
		if got := enumReason(tc.enum); got != tc.want {
			t.Errorf("%v: %q, want %q", tc.enum, got, tc.want)
		}
	}
}
