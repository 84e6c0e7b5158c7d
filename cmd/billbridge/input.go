package main

import (
	"bufio"
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/billbridge/billbridge/internal/jsonvalue"
)

// maxLineBytes is the longest input line push accepts (its newline aside).
// A line is one item; no provider takes an item anywhere near this size, and
// the bound keeps the reader's memory bounded whatever the input holds.
const maxLineBytes = 16 << 20

// lineReader reads newline-separated lines of at most maxLineBytes, holding
// at most one line (plus the bufio buffer) in memory. Unlike bufio.Scanner it
// does not stop at an over-long line: it reports it, skips it and goes on, so
// every line of the input is checked and counted.
type lineReader struct {
	r   *bufio.Reader
	buf []byte
	off int64 // bytes consumed: the offset of the next line
}

func newLineReader(r io.Reader) *lineReader { return &lineReader{r: bufio.NewReaderSize(r, 64<<10)} }

// next returns the next line without its "\n" (or "\r\n"). tooLong reports a
// line longer than maxLineBytes, whose bytes were discarded. At the end of the
// input it returns io.EOF.
func (lr *lineReader) next() (line []byte, tooLong bool, err error) {
	lr.buf = lr.buf[:0]
	read := false
	for {
		frag, err := lr.r.ReadSlice('\n')
		if err == nil && !read {
			// The whole line is in the reader's buffer (64 KiB, under
			// maxLineBytes), the common case: no copy; it stays valid
			// until the next call, as buf's contents do. Not so for the
			// last piece of a longer line (read): buf holds its start,
			// or nothing once it is known too long.
			lr.off += int64(len(frag))
			return trimEOL(frag), false, nil
		}
		read = read || len(frag) > 0
		lr.off += int64(len(frag))
		if !tooLong {
			lr.buf = append(lr.buf, frag...)
			// +2: the "\r\n" that ends a line of exactly the limit.
			if len(lr.buf) > maxLineBytes+2 {
				tooLong, lr.buf = true, lr.buf[:0]
			}
		}
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err == nil, errors.Is(err, io.EOF) && read:
			if tooLong {
				return nil, true, nil
			}
			line = trimEOL(lr.buf)
			if len(line) > maxLineBytes {
				return nil, true, nil
			}
			return line, false, nil
		default:
			return nil, false, err
		}
	}
}

// trimEOL drops a line's "\n" or "\r\n".
func trimEOL(b []byte) []byte {
	return bytes.TrimSuffix(bytes.TrimSuffix(b, []byte("\n")), []byte("\r"))
}

// checkText refuses what encoding/json would silently turn into U+FFFD:
// bytes that are not UTF-8, and \u escapes of lone UTF-16 surrogates.
func checkText(raw []byte) error {
	if !utf8.Valid(raw) {
		for i := 0; i < len(raw); {
			r, size := utf8.DecodeRune(raw[i:])
			if r == utf8.RuneError && size == 1 {
				return fmt.Errorf("invalid UTF-8 at byte %d", i+1)
			}
			i += size
		}
	}
	// Backslashes only occur inside strings in valid JSON (invalid JSON is
	// reported by the decoder), so no string tracking is needed.
	for i := 0; i < len(raw); i++ {
		if raw[i] != '\\' || i+1 >= len(raw) {
			continue
		}
		if raw[i+1] != 'u' {
			i++ // \" \\ \n ...: skip the escaped character
			continue
		}
		r, ok := hex4(raw, i+2)
		if !ok {
			return nil // not valid JSON: the decoder says why
		}
		switch {
		case utf16.IsSurrogate(r) && r < 0xdc00: // high: a low one must follow
			lo, ok := rune(0), false
			if i+7 < len(raw) && raw[i+6] == '\\' && raw[i+7] == 'u' {
				lo, ok = hex4(raw, i+8)
			}
			if !ok || utf16.DecodeRune(r, lo) == utf8.RuneError {
				return fmt.Errorf("invalid string escape %s: a UTF-16 high surrogate without its low half", raw[i:i+6])
			}
			i += 11
		case utf16.IsSurrogate(r):
			return fmt.Errorf("invalid string escape %s: a UTF-16 low surrogate without its high half", raw[i:i+6])
		default:
			i += 5
		}
	}
	return nil
}

func hex4(b []byte, at int) (rune, bool) {
	if at+4 > len(b) {
		return 0, false
	}
	v, err := strconv.ParseUint(string(b[at:at+4]), 16, 32)
	return rune(v), err == nil
}

// fieldChecker walks a JSON value along the Go type it decodes into and
// refuses duplicate keys, keys that match a field only in case, and, unless
// allowUnknown, keys that no field of the type has. encoding/json matches
// keys case-insensitively and silently drops unknown ones, so a misspelt key
// ("emial", "externalKey") would vanish, and {"name":"Real","Name":"Wrong"}
// would store "Wrong". Refusing every case-only match, at every level the
// decoder matches struct fields, leaves it only exact names to match: the
// keys allowUnknown lets through match no field even in case, so the decoder
// drops them.
type fieldChecker struct {
	allowUnknown bool
}

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// check returns the number of keys of the top-level object raw and the first
// problem found, with the field's path ("address/city", "lineItems/0/qty").
func (fc fieldChecker) check(raw []byte, t reflect.Type) (keys int, err error) {
	return fc.walk(raw, t, "")
}

func (fc fieldChecker) walk(raw []byte, t reflect.Type, path string) (int, error) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	// A type that decodes itself (flex.Decimal, dates) or any value at all
	// (free-form objects such as customData) has no fields to check.
	if t.Kind() == reflect.Interface || reflect.PointerTo(t).Implements(jsonUnmarshaler) || reflect.PointerTo(t).Implements(textUnmarshaler) {
		return 0, nil
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return 0, nil
	}
	switch {
	case t.Kind() == reflect.Struct && raw[0] == '{':
		fields := jsonvalue.Fields(t)
		n := 0
		err := eachMember(raw, func(key string, value []byte) error {
			n++
			ft, ok := fields[key]
			if !ok {
				if name := foldMatch(fields, key); name != "" {
					return fmt.Errorf("field %q differs from the known field %q only in case: field names are case-sensitive", join(path, key), join(path, name))
				}
				if fc.allowUnknown {
					return nil
				}
				msg := fmt.Sprintf("unknown field %q", join(path, key))
				if near := nearest(fields, key); near != "" {
					msg += fmt.Sprintf(" (did you mean %q?)", near)
				}
				return errors.New(msg)
			}
			_, err := fc.walk(value, ft, join(path, key))
			return err
		}, path)
		return n, err
	case t.Kind() == reflect.Map && raw[0] == '{':
		n := 0
		err := eachMember(raw, func(key string, value []byte) error {
			n++
			_, err := fc.walk(value, t.Elem(), join(path, key))
			return err
		}, path)
		return n, err
	case (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) && raw[0] == '[':
		var elems []json.RawMessage
		if err := json.Unmarshal(raw, &elems); err != nil {
			return 0, nil // the decoder reports it
		}
		for i, e := range elems {
			if _, err := fc.walk(e, t.Elem(), join(path, strconv.Itoa(i))); err != nil {
				return 0, err
			}
		}
	}
	// Any other shape is a type mismatch, which the decoder reports.
	return 0, nil
}

// eachMember calls f for every member of the JSON object raw, in order, and
// refuses a key given twice (encoding/json would keep the last silently).
func eachMember(raw []byte, f func(key string, value []byte) error, path string) error {
	members, ok := scanMembers(raw)
	if !ok {
		// Not a plain object the scanner reads: the decoder's view (and,
		// later, its error) is the reference.
		return eachMemberDecoded(raw, f, path)
	}
	seen := make(map[string]bool, len(members))
	for _, m := range members {
		if seen[m.key] {
			return fmt.Errorf("duplicate field %q", join(path, m.key))
		}
		seen[m.key] = true
		if err := f(m.key, m.value); err != nil {
			return err
		}
	}
	return nil
}

// member is one key and raw value of a JSON object.
type member struct {
	key   string
	value []byte
}

// scanMembers splits a JSON object into its members without decoding the
// values: the first pass reads every line, and json.Decoder's tokens cost
// most of it. Anything it does not expect (malformed or unusual JSON) makes
// it give up (false), and the caller falls back to the decoder.
func scanMembers(b []byte) ([]member, bool) {
	if !json.Valid(b) {
		// Only valid JSON is split here (brackets and strings are then
		// enough to find the values' ends); the decoder handles the rest.
		return nil, false
	}
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return nil, false
	}
	i = skipSpace(b, i+1)
	var out []member
	if i < len(b) && b[i] == '}' {
		return out, true
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return nil, false
		}
		end, escaped, ok := scanString(b, i)
		if !ok {
			return nil, false
		}
		key := string(b[i+1 : end-1])
		if escaped && json.Unmarshal(b[i:end], &key) != nil {
			return nil, false
		}
		i = skipSpace(b, end)
		if i >= len(b) || b[i] != ':' {
			return nil, false
		}
		i = skipSpace(b, i+1)
		vend, ok := skipValue(b, i)
		if !ok {
			return nil, false
		}
		out = append(out, member{key, b[i:vend]})
		i = skipSpace(b, vend)
		switch {
		case i < len(b) && b[i] == ',':
			i = skipSpace(b, i+1)
		case i < len(b) && b[i] == '}':
			return out, true
		default:
			return nil, false
		}
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

// scanString returns the index after the string starting at b[i] (a quote)
// and whether it holds escapes.
func scanString(b []byte, i int) (end int, escaped, ok bool) {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			escaped = true
			j++
		case '"':
			return j + 1, escaped, true
		}
	}
	return 0, false, false
}

// skipValue returns the index after the JSON value starting at b[i].
func skipValue(b []byte, i int) (int, bool) {
	if i >= len(b) {
		return 0, false
	}
	switch b[i] {
	case '"':
		end, _, ok := scanString(b, i)
		return end, ok
	case '{', '[':
		// Brackets must match; anything subtler (a missing comma) is the
		// strict decode's to refuse, with its own message.
		var open []byte
		for j := i; j < len(b); j++ {
			switch c := b[j]; c {
			case '"':
				end, _, ok := scanString(b, j)
				if !ok {
					return 0, false
				}
				j = end - 1
			case '{', '[':
				open = append(open, c)
			case '}', ']':
				if len(open) == 0 || open[len(open)-1] != map[byte]byte{'}': '{', ']': '['}[c] {
					return 0, false
				}
				if open = open[:len(open)-1]; len(open) == 0 {
					return j + 1, true
				}
			}
		}
		return 0, false
	}
	j := i
	for j < len(b) && !strings.ContainsRune(",}] \t\r\n", rune(b[j])) {
		j++
	}
	return j, j > i
}

// eachMemberDecoded is eachMember through json.Decoder's tokens.
func eachMemberDecoded(raw []byte, f func(key string, value []byte) error, path string) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil {
		return nil
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil
		}
		key, _ := tok.(string)
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return nil
		}
		if seen[key] {
			return fmt.Errorf("duplicate field %q", join(path, key))
		}
		seen[key] = true
		if err := f(key, value); err != nil {
			return err
		}
	}
	return nil
}

// foldMatch is the known field that key matches the way encoding/json
// matches names without an exact match (strings.EqualFold, as its
// foldName documents), or "". Of several, the first in sort order, so the
// message does not change from run to run.
func foldMatch(fields map[string]reflect.Type, key string) string {
	match := ""
	for name := range fields {
		if strings.EqualFold(name, key) && (match == "" || name < match) {
			match = name
		}
	}
	return match
}

// nearest is the known field that key names up to case and underscores
// ("externalKey" for "external_key", "Email" for "email"), or "".
func nearest(fields map[string]reflect.Type, key string) string {
	norm := func(s string) string { return strings.ToLower(strings.ReplaceAll(s, "_", "")) }
	for name := range fields {
		if norm(name) == norm(key) {
			return name
		}
	}
	return ""
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "/" + key
}
