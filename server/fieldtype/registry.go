package fieldtype

import (
	"fmt"
	"sort"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
)

var registry = map[tablev1.FieldType]Type{}

// register adds a type to the registry; each type's file calls it from init.
func register(t Type) {
	k := t.Kind()
	if k == tablev1.FieldType_FIELD_TYPE_UNSPECIFIED {
		panic("fieldtype: cannot register FIELD_TYPE_UNSPECIFIED")
	}
	if _, dup := registry[k]; dup {
		panic(fmt.Sprintf("fieldtype: %s registered twice", k))
	}
	registry[k] = t
}

// Get returns the type of a kind; ok is false for FIELD_TYPE_UNSPECIFIED and
// for values the server does not know.
func Get(kind tablev1.FieldType) (Type, bool) {
	t, ok := registry[kind]
	return t, ok
}

// All returns every registered type, in the order of the enum.
func All() []Type {
	out := make([]Type, 0, len(registry))
	for _, t := range registry {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Kind() < out[j].Kind() })
	return out
}
