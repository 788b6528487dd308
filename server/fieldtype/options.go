package fieldtype

import (
	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/apperr"
)

// optionsName is the name of the message set in o's oneof ("number",
// "select", …), or "" when none is.
func optionsName(o *tablev1.FieldOptions) string {
	if o == nil {
		return ""
	}
	m := o.ProtoReflect()
	fd := m.WhichOneof(m.Descriptor().Oneofs().ByName("kind"))
	if fd == nil {
		return ""
	}
	return string(fd.Name())
}

// noOptions is NormalizeOptions for the types that take no options.
func noOptions(kind tablev1.FieldType, o *tablev1.FieldOptions) (*tablev1.FieldOptions, error) {
	if name := optionsName(o); name != "" {
		var vs apperr.Violations
		vs.Add("options."+name, "options.type", "%s takes no options", aField(kind))
		return nil, vs.Err(ReasonInvalidOptions)
	}
	return nil, nil
}

// checkOptionsKind adds a violation when o holds the options of another
// type than want.
func checkOptionsKind(kind tablev1.FieldType, o *tablev1.FieldOptions, want string, vs *apperr.Violations) {
	if name := optionsName(o); name != "" && name != want {
		vs.Add("options."+name, "options.type", "%s takes %q options, not %q", aField(kind), want, name)
	}
}

// checkPrecision adds a violation when p is outside 0..MaxPrecision.
func checkPrecision(path string, p int32, vs *apperr.Violations) {
	if p < 0 || p > MaxPrecision {
		vs.Add(path, "options.precision", "must be from 0 to %d, not %d", MaxPrecision, p)
	}
}
