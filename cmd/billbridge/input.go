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
		read = read || len(frag) > 0
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
			line = bytes.TrimSuffix(lr.buf, []byte("\n"))
			line = bytes.TrimSuffix(line, []byte("\r"))
			if len(line) > maxLineBytes {
				return nil, true, nil
			}
			return line, false, nil
		default:
			return nil, false, err
		}
	}
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
// refuses duplicate keys and, unless allowUnknown, keys that no field of the
// type has. encoding/json matches keys case-insensitively and silently drops
// unknown ones, so a misspelt key ("emial", "externalKey") would vanish.
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
		fields := jsonFields(t)
		n := 0
		err := eachMember(raw, func(key string, value []byte) error {
			n++
			ft, ok := fields[key]
			if !ok {
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

// jsonFields maps the JSON names of t's fields, those of embedded structs
// included, to their types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	fields := map[string]reflect.Type{}
	for sf := range t.Fields() {
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if sf.Anonymous && name == "" {
			et := sf.Type
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct {
				for k, v := range jsonFields(et) {
					if _, ok := fields[k]; !ok {
						fields[k] = v
					}
				}
				continue
			}
		}
		if !sf.IsExported() {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		fields[name] = sf.Type
	}
	return fields
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
