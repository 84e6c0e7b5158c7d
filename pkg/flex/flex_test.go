package flex

import (
	"encoding/json"
	"testing"
)

func TestDecimalReadsStringAndNumber(t *testing.T) {
	for in, want := range map[string]Decimal{`"5.0"`: "5.0", `5.0`: "5.0", `8.875`: "8.875", `"-1"`: "-1", `12`: "12"} {
		var d Decimal
		if err := json.Unmarshal([]byte(in), &d); err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if d != want {
			t.Errorf("%s: got %q want %q", in, d, want)
		}
		out, _ := json.Marshal(d)
		if string(out) != `"`+string(want)+`"` {
			t.Errorf("%s: re-encoded as %s", in, out)
		}
	}
	var d Decimal
	if err := json.Unmarshal([]byte(`true`), &d); err == nil {
		t.Error("a boolean decoded as a decimal")
	}
}

func TestBoolReadsZeroOne(t *testing.T) {
	for in, want := range map[string]Bool{`true`: true, `false`: false, `1`: true, `0`: false, `"1"`: true, `"0"`: false, `"true"`: true} {
		var b Bool
		if err := json.Unmarshal([]byte(in), &b); err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if b != want {
			t.Errorf("%s: got %v", in, b)
		}
	}
	var b Bool
	if err := json.Unmarshal([]byte(`2`), &b); err == nil {
		t.Error("2 decoded as a boolean")
	}
	type S struct {
		V *Bool `json:"v,omitempty"`
	}
	var s S
	if err := json.Unmarshal([]byte(`{"v":1}`), &s); err != nil || s.V == nil || !*s.V {
		t.Fatalf("struct field: %v %v", err, s.V)
	}
	out, _ := json.Marshal(s)
	if string(out) != `{"v":true}` {
		t.Errorf("re-encoded as %s", out)
	}
}
