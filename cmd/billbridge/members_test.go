package main

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
)

// The scanner that splits objects into members agrees with json.Decoder's
// tokens on every line it accepts, and gives up (for the decoder) on the
// rest: a differential test over real and mangled lines.
func TestScanMembersMatchesDecoder(t *testing.T) {
	lines := []string{
		`{}`, ` { "a" : 1 , "b":"x"} `, `{"name":"Acme \"Q\" \\ Corp","n":-1.5e3,"t":true,"z":null}`,
		`{"address":{"line1":"a, b","zip":"}"},"tags":["x","]",{"y":[1,2]}]}`,
		`{"k\u00e9y":"v","a":1,"a":2}`, `{"a":}`, `{"a" 1}`, `{"a":1,}`, `[1,2]`, `{"a":"unterminated}`,
		`{"customData":{"k":{"deep":[{"x":"\"}"}]}}}`, `{"a":1}trailing`, `{"a":tru}`, "{\"a\":\n1}",
	}
	r := rand.New(rand.NewPCG(3, 4))
	base := lines[3]
	for range 3000 {
		b := []byte(base)
		for range 1 + r.IntN(3) {
			b[r.IntN(len(b))] = `{}[]",: \a1\\`[r.IntN(13)]
		}
		lines = append(lines, string(b))
	}
	type pair struct {
		Key, Value string
	}
	collect := func(each func([]byte, func(string, []byte) error, string) error, line string) ([]pair, string) {
		var out []pair
		err := each([]byte(line), func(k string, v []byte) error { out = append(out, pair{k, string(v)}); return nil }, "")
		return out, fmt.Sprint(err)
	}
	compared := 0
	defer func() {
		if compared < 10 {
			t.Errorf("only %d lines compared", compared)
		}
	}()
	for _, line := range lines {
		if _, ok := scanMembers([]byte(line)); !ok {
			continue // the decoder decides those
		}
		compared++
		fast, ferr := collect(eachMember, line)
		slow, serr := collect(eachMemberDecoded, line)
		if ferr != serr || !reflect.DeepEqual(fast, slow) {
			t.Fatalf("%q: scanner %v (%s), decoder %v (%s)", line, fast, ferr, slow, serr)
		}
	}
}
