package fieldtype

import (
	"github.com/pyairtable/pyairtable/server/apperr"
	"strings"

	"google.golang.org/protobuf/types/known/structpb"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/storage"
)

// Percent is a ratio shown as a percentage: 0.25 is 25%.
type Percent struct{}

var _ Type = Percent{}

func init() { register(Percent{}) }

// Kind is FIELD_TYPE_PERCENT.
func (Percent) Kind() tablev1.FieldType { return tablev1.FieldType_FIELD_TYPE_PERCENT }

// Column is a double.
func (Percent) Column(e storage.Engine) string { return floatColumn.on(e) }

// ReadOnly is false.
func (Percent) ReadOnly() bool { return false }

// CanBePrimary is true.
func (Percent) CanBePrimary() bool { return true }

// NormalizeOptions checks the precision of the percentage (0 to
// MaxPrecision, default 0).
func (t Percent) NormalizeOptions(o *tablev1.FieldOptions) (*tablev1.FieldOptions, error) {
	var vs apperr.Violations
	checkOptionsKind(t.Kind(), o, "percent", &vs)
	p := o.GetPercent().GetPrecision()
	checkPrecision("options.percent.precision", p, &vs)
	if err := vs.Err(ReasonInvalidOptions); err != nil {
		return nil, err
	}
	return &tablev1.FieldOptions{Kind: &tablev1.FieldOptions_Percent{Percent: &tablev1.PercentOptions{Precision: p}}}, nil
}

// ratioDigits is the precision of the stored ratio: two more digits than
// the percentage shows.
func ratioDigits(o *tablev1.FieldOptions) int { return int(o.GetPercent().GetPrecision()) + 2 }

// Value takes the ratio as a number (0.25 for 25%), rounded so the
// percentage has the precision's digits. With typecast, text ending in "%"
// is a percentage ("25%" is 0.25) and other text a ratio ("0.25").
func (Percent) Value(o *tablev1.FieldOptions, v *structpb.Value, typecast bool, _ Env) (any, error) {
	if IsEmpty(v) {
		return nil, nil
	}
	if s, ok := v.Kind.(*structpb.Value_StringValue); ok && typecast {
		if t, found := strings.CutSuffix(strings.TrimSpace(s.StringValue), "%"); found {
			f, ok := parseNumberText(t)
			if !ok {
				return nil, cellError("number.format", "%s is not a percentage", quote(s.StringValue))
			}
			return round(f/100, ratioDigits(o)), nil
		}
	}
	f, err := numberInput(v, typecast)
	if err != nil {
		return nil, err
	}
	return round(f, ratioDigits(o)), nil
}

// Cell returns the ratio, rounded to the precision.
func (Percent) Cell(o *tablev1.FieldOptions, stored any) (*structpb.Value, error) {
	return floatCell("percent", stored, ratioDigits(o))
}

// Text formats the percentage, such as "25%" or "12.5%".
func (Percent) Text(o *tablev1.FieldOptions, stored any) string {
	f, ok := storedFloat(stored)
	if !ok {
		return ""
	}
	return formatFixed(f*100, int(o.GetPercent().GetPrecision())) + "%"
}
