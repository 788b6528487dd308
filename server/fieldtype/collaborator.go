package fieldtype

import (
	"strings"

	"google.golang.org/protobuf/types/known/structpb"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/storage"
)

// Collaborator is a member of the base's workspace, stored as the user id.
type Collaborator struct{}

var _ Type = Collaborator{}

func init() { register(Collaborator{}) }

// Kind is FIELD_TYPE_COLLABORATOR.
func (Collaborator) Kind() tablev1.FieldType { return tablev1.FieldType_FIELD_TYPE_COLLABORATOR }

// Column is TEXT: the "usr…" id.
func (Collaborator) Column(e storage.Engine) string { return textColumn.on(e) }

// ReadOnly is false.
func (Collaborator) ReadOnly() bool { return false }

// CanBePrimary is true.
func (Collaborator) CanBePrimary() bool { return true }

// NormalizeOptions refuses options: the type has none.
func (t Collaborator) NormalizeOptions(o *tablev1.FieldOptions) (*tablev1.FieldOptions, error) {
	return noOptions(t.Kind(), o)
}

// Value takes a "usr…" id or an email, as text or as an object {"id": …}
// or {"email": …} (the form Cell returns), and stores the id of the
// workspace member Env.ResolveUser finds; anyone else is refused.
func (Collaborator) Value(_ *tablev1.FieldOptions, v *structpb.Value, typecast bool, env Env) (any, error) {
	if IsEmpty(v) {
		return nil, nil
	}
	var key string
	switch k := v.Kind.(type) {
	case *structpb.Value_StringValue:
		key = k.StringValue
	case *structpb.Value_StructValue:
		f := k.StructValue.GetFields()
		for name := range f {
			if name != "id" && name != "email" && name != "name" {
				return nil, cellError("collaborator.keys", "unknown key %s: a collaborator is {\"id\": \"usr…\"} or {\"email\": \"…\"}", quote(name))
			}
		}
		key = f["id"].GetStringValue()
		if key == "" {
			key = f["email"].GetStringValue()
		}
		if key == "" {
			return nil, cellError("collaborator.keys", "a collaborator object needs an \"id\" or an \"email\"")
		}
	default:
		return nil, cellError("type", "must be a user id or email, not %s", Describe(v))
	}
	key = strings.TrimSpace(key)
	if key == "" {
		return nil, nil
	}
	id, ok := env.resolve(key)
	if !ok {
		return nil, cellError("collaborator.member", "%s is not a member of this workspace", quote(key))
	}
	return id, nil
}

// Cell returns {"id": "usr…"}.
func (Collaborator) Cell(_ *tablev1.FieldOptions, stored any) (*structpb.Value, error) {
	return userCell("collaborator", stored)
}

// Text returns the user id.
func (Collaborator) Text(_ *tablev1.FieldOptions, stored any) string { return textText(stored) }

// userCell is Cell for the types stored as a user id.
func userCell(kind string, stored any) (*structpb.Value, error) {
	if stored == nil {
		return nil, nil
	}
	id, ok := storedString(stored)
	if !ok {
		return nil, storedError(kind, stored)
	}
	if id == "" {
		return nil, nil
	}
	return structpb.NewStructValue(&structpb.Struct{Fields: map[string]*structpb.Value{"id": structpb.NewStringValue(id)}}), nil
}
