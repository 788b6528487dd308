package fieldtype

import (
	"strings"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
)

// labels name the kinds for people.
var labels = map[tablev1.FieldType]string{
	tablev1.FieldType_FIELD_TYPE_SINGLE_LINE_TEXT:   "single line text",
	tablev1.FieldType_FIELD_TYPE_LONG_TEXT:          "long text",
	tablev1.FieldType_FIELD_TYPE_EMAIL:              "email",
	tablev1.FieldType_FIELD_TYPE_URL:                "URL",
	tablev1.FieldType_FIELD_TYPE_PHONE_NUMBER:       "phone number",
	tablev1.FieldType_FIELD_TYPE_NUMBER:             "number",
	tablev1.FieldType_FIELD_TYPE_CURRENCY:           "currency",
	tablev1.FieldType_FIELD_TYPE_PERCENT:            "percent",
	tablev1.FieldType_FIELD_TYPE_RATING:             "rating",
	tablev1.FieldType_FIELD_TYPE_DURATION:           "duration",
	tablev1.FieldType_FIELD_TYPE_CHECKBOX:           "checkbox",
	tablev1.FieldType_FIELD_TYPE_DATE:               "date",
	tablev1.FieldType_FIELD_TYPE_DATE_TIME:          "date-time",
	tablev1.FieldType_FIELD_TYPE_SINGLE_SELECT:      "single select",
	tablev1.FieldType_FIELD_TYPE_MULTIPLE_SELECTS:   "multiple selects",
	tablev1.FieldType_FIELD_TYPE_COLLABORATOR:       "collaborator",
	tablev1.FieldType_FIELD_TYPE_JSON:               "JSON",
	tablev1.FieldType_FIELD_TYPE_BARCODE:            "barcode",
	tablev1.FieldType_FIELD_TYPE_ATTACHMENT:         "attachment",
	tablev1.FieldType_FIELD_TYPE_AUTO_NUMBER:        "auto number",
	tablev1.FieldType_FIELD_TYPE_CREATED_TIME:       "created time",
	tablev1.FieldType_FIELD_TYPE_LAST_MODIFIED_TIME: "last modified time",
	tablev1.FieldType_FIELD_TYPE_CREATED_BY:         "created by",
	tablev1.FieldType_FIELD_TYPE_LAST_MODIFIED_BY:   "last modified by",
}

// Label is a kind's name for people, such as "single line text",
// "date-time" or "URL"; unknown kinds give their enum name.
func Label(kind tablev1.FieldType) string {
	if l, ok := labels[kind]; ok {
		return l
	}
	return kind.String()
}

// aField is "a … field" or "an … field" for a kind, for messages.
func aField(kind tablev1.FieldType) string {
	l := Label(kind)
	if strings.ContainsAny(l[:1], "aeio") {
		return "an " + l + " field"
	}
	return "a " + l + " field"
}
