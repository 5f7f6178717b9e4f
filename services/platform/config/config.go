// Package config loads a service's typed configuration from the environment in
// one place, so that no code outside main reads os.Getenv and every bad or
// missing variable is reported at start-up, all at once.
//
// A config is a struct whose fields carry tags:
//
//	env:"NAME"          the variable to read (fields without it are left alone)
//	default:"value"     used when the variable is unset or empty
//	required:"true"     an error when the variable is unset or empty and there is no default
//	oneof:"a,b,c"       the value must be one of these
//	envPrefix:"RELAY_"  on a nested struct field: prepended to its fields' names
//
// Supported field types: string, int, int64, bool, float64, time.Duration,
// []string (comma-separated) and nested structs, embedded or named.
package config

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Validator is implemented by config types that check more than one
// variable at a time (for example, "A must be less than B").
//
// Validate is called after loading on the struct passed to Load and on every
// named (non-embedded) nested struct that implements it. An embedded struct's
// Validate is promoted to the outer type, so it runs as the outer's, unless
// the outer type defines its own and calls it.
type Validator interface {
	Validate() error
}

// Load fills the struct that dst points to from the process environment.
// It returns every problem found, joined, each naming its variable.
func Load(dst any) error {
	return LoadFrom(dst, os.LookupEnv)
}

// WithDefaults returns lookup falling back to defaults for variables that
// are unset or empty: a service's own defaults for shared variables (its
// ports, its database) without touching the process environment.
func WithDefaults(lookup func(string) (string, bool), defaults map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		if v, ok := lookup(name); ok && v != "" {
			return v, true
		}
		v, ok := defaults[name]
		return v, ok
	}
}

// LoadFrom is Load with the environment given as a lookup function, so tests
// can run in parallel without touching the process environment.
func LoadFrom(dst any, lookup func(string) (string, bool)) error {
	v := reflect.ValueOf(dst)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("config: Load needs a non-nil pointer to a struct, got %T", dst)
	}
	l := loader{lookup: lookup}
	l.loadStruct(v.Elem(), "", true)
	return errors.Join(l.errs...)
}

type loader struct {
	lookup func(string) (string, bool)
	errs   []error
}

func (l *loader) loadStruct(v reflect.Value, prefix string, validate bool) {
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		fv := v.Field(i)
		name, hasEnv := f.Tag.Lookup("env")
		if !hasEnv {
			if f.Type.Kind() == reflect.Struct {
				// Embedded structs share the outer Validate (method promotion),
				// so only named nested structs are validated on their own.
				l.loadStruct(fv, prefix+f.Tag.Get("envPrefix"), !f.Anonymous)
			}
			continue
		}
		l.loadField(fv, f, prefix+name)
	}
	if !validate {
		return
	}
	if val, ok := v.Addr().Interface().(Validator); ok {
		if err := val.Validate(); err != nil {
			l.errs = append(l.errs, err)
		}
	}
}

func (l *loader) loadField(fv reflect.Value, f reflect.StructField, name string) {
	raw, ok := l.lookup(name)
	source := fmt.Sprintf("%s=%q", name, raw)
	if !ok || raw == "" {
		def, hasDefault := f.Tag.Lookup("default")
		switch {
		case hasDefault:
			raw = def
			source = fmt.Sprintf("%s (default %q)", name, def)
		case f.Tag.Get("required") == "true":
			l.errs = append(l.errs, fmt.Errorf("%s is required", name))
			return
		default:
			return // optional and unset: leave the zero value
		}
	}
	if allowed, ok := f.Tag.Lookup("oneof"); ok {
		options := splitList(allowed)
		if !contains(options, raw) {
			l.errs = append(l.errs, fmt.Errorf("%s: must be one of %s", source, strings.Join(options, ", ")))
			return
		}
	}
	if err := set(fv, raw); err != nil {
		l.errs = append(l.errs, fmt.Errorf("%s: %w", source, err))
	}
}

var durationType = reflect.TypeFor[time.Duration]()

func set(fv reflect.Value, raw string) error {
	if fv.Type() == durationType {
		d, err := time.ParseDuration(raw)
		if err != nil {
			return errors.New("not a duration (e.g. 500ms, 15s, 2m)")
		}
		fv.SetInt(int64(d))
		return nil
	}
	switch fv.Kind() {
	case reflect.String:
		fv.SetString(raw)
	case reflect.Int, reflect.Int64:
		n, err := strconv.ParseInt(raw, 10, fv.Type().Bits())
		if err != nil {
			return errors.New("not an integer")
		}
		fv.SetInt(n)
	case reflect.Bool:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return errors.New("not a boolean (true or false)")
		}
		fv.SetBool(b)
	case reflect.Float64:
		x, err := strconv.ParseFloat(raw, 64)
		if err != nil {
			return errors.New("not a number")
		}
		fv.SetFloat(x)
	case reflect.Slice:
		if fv.Type().Elem().Kind() != reflect.String {
			return fmt.Errorf("unsupported field type %s", fv.Type())
		}
		fv.Set(reflect.ValueOf(splitList(raw)))
	default:
		return fmt.Errorf("unsupported field type %s", fv.Type())
	}
	return nil
}

// splitList splits a comma-separated value, trimming spaces and dropping
// empty items so that "a, b," means [a b].
func splitList(raw string) []string {
	out := []string{}
	for item := range strings.SplitSeq(raw, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, item := range list {
		if item == s {
			return true
		}
	}
	return false
}
