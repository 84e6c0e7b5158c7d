package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/pkg/option"
)

// pushJob is one provider/resource pair, ready to validate and send.
type pushJob interface {
	// check decodes and validates one input line (the first pass); the
	// error names the line and the field. It returns the item's natural
	// keys, which no two lines of one input may share.
	check(line int, raw []byte) ([]itemKey, error)
	// keys returns the natural keys of a line that passed check.
	keys(line int, raw []byte) []itemKey
	// settleable reports whether the line's item may be sent again when an
	// earlier run may have sent it: it is an update, or a create the
	// provider can find by a natural key.
	settleable(line int, raw []byte) bool
	// run makes the calls of a push, streaming the lines each selects
	// from p's input, and returns the client's request counts.
	run(ctx context.Context, p *pushRun, opts []option.Option, calls []call) (func() (int64, int64), error)
	// fake starts an embedded fake and returns the options that point at it.
	fake() ([]option.Option, func(), error)
	// addOptions adds request options to every call of the job (the mode
	// of keyed creates, a key field).
	addOptions(opts ...option.RequestOption)
}

// typedJob is one pair: how a line decodes and validates, and the facade
// call that sends a stream of items.
type typedJob[In, Out any] struct {
	// shape is the Go type of a line as written (In unless the line carries
	// more than the item, as Meteroid's id_or_alias), checked for unknown and
	// duplicate fields.
	shape    reflect.Type
	fields   fieldChecker
	decode   func(raw []byte) (In, error)
	validate func(item In) error
	client   func(opts []option.Option) (sendFunc[In, Out], func() (int64, int64), error)
	// keyOpts, when set, turns the CLI's create keys (key gives the key of
	// the item at an index of the call's stream) into request options.
	keyOpts func(key func(index int) string) []option.RequestOption
	// collect, when set (--fake), sees every item of the first pass, so
	// that the fake can be seeded with what the items refer to.
	collect   func(item In)
	startFake func() ([]option.Option, func(), error)
	// canSettle reports whether an item in doubt may be sent again; nil:
	// always (updates).
	canSettle func(item In) bool
	// naturalKeys returns the values that name the item's entity at the
	// provider (none: it has no natural key; nil: no item has one). Two
	// lines with one key would both be sent, and which one wins would
	// differ from run to run, so the later line is refused. A slice, not
	// one string: a Meteroid line names its customer by id_or_alias and
	// may give it an alias, and the two share one namespace.
	naturalKeys func(item In) []itemKey
	// callOpts are added to every call (see addOptions).
	callOpts []option.RequestOption
	// fast, when set, decodes the common form of a line in one scan (ok:
	// the line is that form, with no unknown, repeated or mistyped field);
	// any other line (ok false) takes the general checks, which name
	// what is wrong. The item still goes through validate.
	fast func(raw []byte) (item In, ok bool)
	// scratch, when set, is fast for check, which keeps nothing of the
	// item (unless collect or naturalKeys would): the item may share
	// raw's bytes and be valid only until the next call.
	scratch func(raw []byte) (item In, ok bool)
}

func (j *typedJob[In, Out]) addOptions(opts ...option.RequestOption) {
	j.callOpts = append(j.callOpts, opts...)
}

func (j *typedJob[In, Out]) check(line int, raw []byte) ([]itemKey, error) {
	fast := j.fast
	if j.scratch != nil && j.collect == nil && j.naturalKeys == nil {
		fast = j.scratch
	}
	item, err := j.parseWith(fast, line, raw)
	if err != nil {
		return nil, err
	}
	if j.collect != nil {
		j.collect(item)
	}
	if j.naturalKeys == nil {
		return nil, nil
	}
	return j.naturalKeys(item), nil
}

func (j *typedJob[In, Out]) keys(line int, raw []byte) []itemKey {
	item, err := j.parse(line, raw)
	if err != nil || j.naturalKeys == nil {
		return nil
	}
	return j.naturalKeys(item)
}

func (j *typedJob[In, Out]) settleable(line int, raw []byte) bool {
	if j.canSettle == nil {
		return true
	}
	item, err := j.parse(line, raw)
	return err == nil && j.canSettle(item)
}

// parse decodes and validates one line.
func (j *typedJob[In, Out]) parse(line int, raw []byte) (In, error) {
	return j.parseWith(j.fast, line, raw)
}

// parseWith is parse trying fast (when not nil) before the general checks.
func (j *typedJob[In, Out]) parseWith(fast func([]byte) (In, bool), line int, raw []byte) (In, error) {
	var zero In
	if fast != nil && utf8.Valid(raw) {
		if item, ok := fast(raw); ok {
			if err := j.validate(item); err == nil {
				return item, nil
			}
			// Refused: the general path below words the error.
		}
	}
	if err := checkText(raw); err != nil {
		return zero, fmt.Errorf("line %d: %v", line, err)
	}
	if !json.Valid(raw) {
		var v any
		err := json.Unmarshal(raw, &v)
		return zero, fmt.Errorf("line %d: not valid JSON: %v", line, err)
	}
	if raw[0] != '{' {
		return zero, fmt.Errorf("line %d: want a JSON object", line)
	}
	shape := j.shape
	if shape == nil {
		shape = reflect.TypeFor[In]()
	}
	keys, err := j.fields.check(raw, shape)
	if err != nil {
		return zero, fmt.Errorf("line %d: %v", line, err)
	}
	if keys == 0 {
		return zero, fmt.Errorf("line %d: empty object: nothing to send", line)
	}
	item, err := j.decode(raw)
	if err != nil {
		return zero, fmt.Errorf("line %d: %w", line, err)
	}
	if err := j.validate(item); err != nil {
		var ve *billbridge.ValidationError
		if errors.As(err, &ve) {
			if ve.Field == "" {
				return zero, fmt.Errorf("line %d: %s", line, ve.Reason)
			}
			return zero, fmt.Errorf("line %d: field %s: %s", line, ve.Field, ve.Reason)
		}
		return zero, fmt.Errorf("line %d: %w", line, err)
	}
	// Only nulls (or, with --allow-unknown-fields, only unknown fields):
	// the provider would get an empty object.
	if reflect.ValueOf(item).IsZero() {
		return zero, fmt.Errorf("line %d: no field has a value: nothing to send", line)
	}
	return item, nil
}

func (j *typedJob[In, Out]) run(ctx context.Context, p *pushRun, opts []option.Option, calls []call) (func() (int64, int64), error) {
	send, counts, err := j.client(opts)
	if err != nil {
		return nil, usagef("%v", err)
	}
	for _, c := range calls {
		// The number of lines the call sends lets the keyed creates
		// choose between walking the account's pages and looking keys up.
		expected := 0
		for n := 1; n <= p.total; n++ {
			if c.selects(n) {
				expected++
			}
		}
		c.opts = append(slices.Clip(c.opts), j.callOpts...)
		c.opts = append(c.opts, option.WithExpectedItems(expected))
		if j.keyOpts != nil {
			c.opts = append(slices.Clip(c.opts), j.keyOpts(func(index int) string {
				if h := p.keys.Load(); h != nil {
					return h.key(index)
				}
				return ""
			})...)
		}
		if err := runCall(ctx, p, j, send, c); err != nil {
			return counts, err
		}
	}
	return counts, nil
}

func (j *typedJob[In, Out]) fake() ([]option.Option, func(), error) { return j.startFake() }

// strictDecode decodes raw into a value of type T, refusing type mismatches
// with the field's name. (json.Unmarshal, not a json.Decoder: a decoder per
// line costs a buffer and a copy of the line, for every line of both passes.)
func strictDecode[T any](raw []byte) (T, error) {
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return v, fmt.Errorf("field %s: want %s, got JSON %s", strings.ReplaceAll(te.Field, ".", "/"), te.Type, te.Value)
		}
		return v, err
	}
	return v, nil
}

// keyOf is the natural key held by an optional field: none when it is
// absent or empty.
func keyOf(field string, v *string) []itemKey {
	if v == nil || *v == "" {
		return nil
	}
	return []itemKey{{field, *v}}
}

// customerSet collects the distinct customers the items of a push to an
// embedded fake refer to (its memory grows with them: --fake is for trying
// things out).
type customerSet struct {
	seen map[string]bool
	ids  []string
}

func (s *customerSet) add(id string) {
	if s.seen == nil {
		s.seen = map[string]bool{}
	}
	if !s.seen[id] {
		s.seen[id] = true
		s.ids = append(s.ids, id)
	}
}

func ptr[T any](v T) *T { return &v }
