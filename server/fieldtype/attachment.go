package fieldtype

import (
	"encoding/json"
	"fmt"
	"math"
	"mime"
	"net/url"
	"path"
	"strings"
	"unicode/utf8"

	"google.golang.org/protobuf/types/known/structpb"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/storage"
)

// Attachment is a list of file descriptions, stored as a JSON array of
// {"url", "filename", "size", "type"} objects.
type Attachment struct{}

var _ Type = Attachment{}

func init() { register(Attachment{}) }

// MaxFilenameLength is the most characters of an attachment's file name.
const MaxFilenameLength = 255

// attachmentValue is the stored form of one file.
type attachmentValue struct {
	URL      string `json:"url"`
	Filename string `json:"filename"`
	Size     *int64 `json:"size,omitempty"`
	Type     string `json:"type,omitempty"`
}

// Kind is FIELD_TYPE_ATTACHMENT.
func (Attachment) Kind() tablev1.FieldType { return tablev1.FieldType_FIELD_TYPE_ATTACHMENT }

// Column is JSONB on PostgreSQL and TEXT on SQLite.
func (Attachment) Column(e storage.Engine) string { return jsonColumn.on(e) }

// ReadOnly is false.
func (Attachment) ReadOnly() bool { return false }

// CanBePrimary is false.
func (Attachment) CanBePrimary() bool { return false }

// NormalizeOptions refuses options: the type has none.
func (t Attachment) NormalizeOptions(o *tablev1.FieldOptions) (*tablev1.FieldOptions, error) {
	return noOptions(t.Kind(), o)
}

// Value takes a list of objects with an http or https "url" and optional
// "filename" (default: the URL's last path segment), "size" (whole bytes)
// and "type" (a MIME type); other keys are refused. An empty list is
// empty. With typecast, a single object is a list of one, and text lists
// files as Text writes them: "name.pdf (https://…), https://…".
func (Attachment) Value(_ *tablev1.FieldOptions, v *structpb.Value, typecast bool, _ Env) (any, error) {
	if IsEmpty(v) {
		return nil, nil
	}
	var items []*structpb.Value
	switch k := v.Kind.(type) {
	case *structpb.Value_ListValue:
		items = k.ListValue.GetValues()
	case *structpb.Value_StructValue:
		if !typecast {
			return nil, cellError("type", "must be a list of files, not an object (put it in a list)")
		}
		items = []*structpb.Value{v}
	case *structpb.Value_StringValue:
		if !typecast {
			return nil, cellError("type", "must be a list of files such as [{\"url\": \"https://…\"}], not text (set typecast to read URLs)")
		}
		items = parseAttachmentText(k.StringValue)
	default:
		return nil, cellError("type", "must be a list of files such as [{\"url\": \"https://…\"}], not %s", Describe(v))
	}
	var out []attachmentValue
	for i, item := range items {
		a, err := attachmentItem(item)
		if err != nil {
			return nil, prefixCell(err, fmt.Sprintf("file %d: ", i+1))
		}
		out = append(out, a)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return storeJSON(out)
}

// attachmentItem checks and fills in one file.
func attachmentItem(item *structpb.Value) (attachmentValue, error) {
	var a attachmentValue
	obj, ok := item.Kind.(*structpb.Value_StructValue)
	if !ok {
		return a, cellError("attachment.item", "must be an object {\"url\": …}, not %s", Describe(item))
	}
	fields := obj.StructValue.GetFields()
	for name, f := range fields {
		switch name {
		case "url", "filename", "type":
			if _, isText := f.Kind.(*structpb.Value_StringValue); !isText && !IsEmpty(f) {
				return a, cellError("attachment."+name, "%s must be text, not %s", quote(name), Describe(f))
			}
		case "size":
			n, isNum := f.Kind.(*structpb.Value_NumberValue)
			if IsEmpty(f) {
				continue
			}
			if !isNum || n.NumberValue < 0 || n.NumberValue != math.Trunc(n.NumberValue) || n.NumberValue > 1<<53 {
				return a, cellError("attachment.size", "\"size\" must be a whole number of bytes")
			}
			size := int64(n.NumberValue)
			a.Size = &size
		default:
			return a, cellError("attachment.keys", "unknown key %s: a file has url, filename, size and type", quote(name))
		}
	}
	a.URL = strings.TrimSpace(fields["url"].GetStringValue())
	if a.URL == "" {
		return a, cellError("attachment.url", "needs a \"url\"")
	}
	if err := checkURL(a.URL); err != nil {
		return a, err
	}
	a.Filename = strings.TrimSpace(fields["filename"].GetStringValue())
	if a.Filename == "" {
		a.Filename = filenameOf(a.URL)
	}
	if n := utf8.RuneCountInString(a.Filename); n > MaxFilenameLength {
		return a, cellError("attachment.filename", "\"filename\" must be at most %d characters, not %d", MaxFilenameLength, n)
	}
	a.Type = strings.TrimSpace(fields["type"].GetStringValue())
	if a.Type != "" {
		if _, _, err := mime.ParseMediaType(a.Type); err != nil {
			return a, cellError("attachment.type", "%s is not a MIME type such as \"application/pdf\"", quote(a.Type))
		}
	}
	for _, s := range []string{a.URL, a.Filename, a.Type} {
		if err := checkJSONValue(s); err != nil {
			return a, err
		}
	}
	return a, nil
}

// filenameOf is the default file name: the URL's last path segment, or its
// host.
func filenameOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "file"
	}
	name := path.Base(u.Path)
	if name == "/" || name == "." || name == "" {
		return u.Host
	}
	if unescaped, err := url.PathUnescape(name); err == nil {
		name = unescaped
	}
	return name
}

// parseAttachmentText reads files as Text writes them, separated by ", "
// or line breaks: "name (url)" or a bare URL.
func parseAttachmentText(s string) []*structpb.Value {
	var out []*structpb.Value
	for _, line := range strings.Split(s, "\n") {
		for _, part := range strings.Split(line, ", ") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			fields := map[string]*structpb.Value{"url": structpb.NewStringValue(part)}
			if i := strings.LastIndex(part, " ("); i > 0 && strings.HasSuffix(part, ")") {
				fields["filename"] = structpb.NewStringValue(part[:i])
				fields["url"] = structpb.NewStringValue(part[i+2 : len(part)-1])
			}
			out = append(out, structpb.NewStructValue(&structpb.Struct{Fields: fields}))
		}
	}
	return out
}

// storedAttachments reads a stored list of files.
func storedAttachments(stored any) ([]attachmentValue, bool) {
	var out []attachmentValue
	s, ok := storedString(stored)
	if !ok || json.Unmarshal([]byte(s), &out) != nil {
		return nil, false
	}
	return out, true
}

// Cell returns the list of files.
func (Attachment) Cell(_ *tablev1.FieldOptions, stored any) (*structpb.Value, error) {
	return jsonCell("attachment", stored)
}

// Text lists the files as "name (url)", separated by ", ".
func (Attachment) Text(_ *tablev1.FieldOptions, stored any) string {
	files, _ := storedAttachments(stored)
	parts := make([]string, len(files))
	for i, f := range files {
		parts[i] = f.Filename + " (" + f.URL + ")"
	}
	return strings.Join(parts, ", ")
}
