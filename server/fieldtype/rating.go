package fieldtype

import (
	"github.com/pyairtable/pyairtable/server/apperr"
	"math"
	"strconv"
	"strings"

	"google.golang.org/protobuf/types/known/structpb"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/storage"
)

// Rating is a whole number from 1 to the field's maximum.
type Rating struct{}

var _ Type = Rating{}

func init() { register(Rating{}) }

// DefaultRatingMax is the maximum of a rating field when none is given.
const DefaultRatingMax = 5

// Kind is FIELD_TYPE_RATING.
func (Rating) Kind() tablev1.FieldType { return tablev1.FieldType_FIELD_TYPE_RATING }

// Column is a 64-bit integer.
func (Rating) Column(e storage.Engine) string { return intColumn.on(e) }

// ReadOnly is false.
func (Rating) ReadOnly() bool { return false }

// CanBePrimary is true.
func (Rating) CanBePrimary() bool { return true }

// NormalizeOptions checks the maximum (1 to MaxRating; 0 becomes
// DefaultRatingMax).
func (t Rating) NormalizeOptions(o *tablev1.FieldOptions) (*tablev1.FieldOptions, error) {
	var vs apperr.Violations
	checkOptionsKind(t.Kind(), o, "rating", &vs)
	most := o.GetRating().GetMax()
	if most == 0 {
		most = DefaultRatingMax
	}
	if most < 1 || most > MaxRating {
		vs.Add("options.rating.max", "options.rating.max", "must be from 1 to %d, not %d", MaxRating, most)
	}
	if err := vs.Err(ReasonInvalidOptions); err != nil {
		return nil, err
	}
	return &tablev1.FieldOptions{Kind: &tablev1.FieldOptions_Rating{Rating: &tablev1.RatingOptions{Max: most}}}, nil
}

// ratingMax is the field's maximum, DefaultRatingMax if unset.
func ratingMax(o *tablev1.FieldOptions) int64 {
	if m := o.GetRating().GetMax(); m > 0 {
		return int64(m)
	}
	return DefaultRatingMax
}

// Value takes a whole number from 1 to the maximum; 0 is an empty cell (no
// rating). With typecast, numbers are rounded, text such as "4" or "★★★★"
// is read, and true is 1.
func (Rating) Value(o *tablev1.FieldOptions, v *structpb.Value, typecast bool, _ Env) (any, error) {
	if IsEmpty(v) {
		return nil, nil
	}
	most := ratingMax(o)
	var f float64
	if s, ok := v.Kind.(*structpb.Value_StringValue); ok && typecast && isStars(s.StringValue) {
		f = float64(len([]rune(strings.TrimSpace(s.StringValue))))
	} else {
		var err error
		if f, err = numberInput(v, typecast); err != nil {
			return nil, err
		}
	}
	if typecast {
		f = math.Round(f)
	}
	if f == 0 {
		return nil, nil
	}
	if f != math.Trunc(f) || f < 1 || f > float64(most) {
		return nil, cellError("rating.range", "must be a whole number from 1 to %d, not %s", most, formatShortest(f))
	}
	return int64(f), nil
}

// isStars reports whether s is a row of star characters.
func isStars(s string) bool {
	s = strings.TrimSpace(s)
	return s != "" && strings.Trim(s, "★⭐*") == ""
}

// Cell returns the rating as a number.
func (Rating) Cell(_ *tablev1.FieldOptions, stored any) (*structpb.Value, error) {
	if stored == nil {
		return nil, nil
	}
	n, ok := storedInt(stored)
	if !ok {
		return nil, storedError("rating", stored)
	}
	if n == 0 {
		return nil, nil
	}
	return structpb.NewNumberValue(float64(n)), nil
}

// Text returns the rating's digits, such as "4".
func (Rating) Text(_ *tablev1.FieldOptions, stored any) string {
	n, ok := storedInt(stored)
	if !ok || n == 0 {
		return ""
	}
	return strconv.FormatInt(n, 10)
}
