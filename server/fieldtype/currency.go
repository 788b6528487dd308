package fieldtype

import (
	"github.com/pyairtable/pyairtable/server/apperr"
	"strings"
	"unicode"
	"unicode/utf8"

	"google.golang.org/protobuf/types/known/structpb"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/storage"
)

// Currency is an amount of money in the field's symbol and precision.
type Currency struct{}

var _ Type = Currency{}

func init() { register(Currency{}) }

// Default currency options.
const (
	DefaultCurrencySymbol    = "$"
	DefaultCurrencyPrecision = 2
)

// Kind is FIELD_TYPE_CURRENCY.
func (Currency) Kind() tablev1.FieldType { return tablev1.FieldType_FIELD_TYPE_CURRENCY }

// Column is a double.
func (Currency) Column(e storage.Engine) string { return floatColumn.on(e) }

// ReadOnly is false.
func (Currency) ReadOnly() bool { return false }

// CanBePrimary is true.
func (Currency) CanBePrimary() bool { return true }

// NormalizeOptions checks the symbol (1 to MaxCurrencySymbolLength
// characters without digits, default "$") and the precision (0 to
// MaxPrecision). Without currency options the precision is 2; when they are
// given, the precision is taken as sent, 0 included, since the contract
// cannot tell 0 from unset.
func (t Currency) NormalizeOptions(o *tablev1.FieldOptions) (*tablev1.FieldOptions, error) {
	var vs apperr.Violations
	checkOptionsKind(t.Kind(), o, "currency", &vs)
	out := &tablev1.CurrencyOptions{Symbol: DefaultCurrencySymbol, Precision: DefaultCurrencyPrecision}
	if c := o.GetCurrency(); c != nil {
		out.Precision = c.GetPrecision()
		if sym := strings.TrimSpace(c.GetSymbol()); sym != "" {
			out.Symbol = sym
		}
	}
	if n := utf8.RuneCountInString(out.Symbol); n > MaxCurrencySymbolLength {
		vs.Add("options.currency.symbol", "options.symbol.max_len", "must be at most %d characters, not %d", MaxCurrencySymbolLength, n)
	} else if strings.ContainsFunc(out.Symbol, func(r rune) bool { return unicode.IsDigit(r) || unicode.IsSpace(r) }) {
		vs.Add("options.currency.symbol", "options.symbol.chars", "must not contain digits or spaces")
	}
	checkPrecision("options.currency.precision", out.Precision, &vs)
	if err := vs.Err(ReasonInvalidOptions); err != nil {
		return nil, err
	}
	return &tablev1.FieldOptions{Kind: &tablev1.FieldOptions_Currency{Currency: out}}, nil
}

// Value takes a finite number and rounds it to the precision. With typecast,
// text such as "$1,234.50", "-€5" or "12 EUR" is read too.
func (Currency) Value(o *tablev1.FieldOptions, v *structpb.Value, typecast bool, _ Env) (any, error) {
	if IsEmpty(v) {
		return nil, nil
	}
	f, err := numberInput(v, typecast, o.GetCurrency().GetSymbol())
	if err != nil {
		return nil, err
	}
	return round(f, int(o.GetCurrency().GetPrecision())), nil
}

// Cell returns the amount as a number, rounded to the precision.
func (Currency) Cell(o *tablev1.FieldOptions, stored any) (*structpb.Value, error) {
	return floatCell("currency", stored, int(o.GetCurrency().GetPrecision()))
}

// Text formats the amount with its symbol, such as "$1234.50", "-$5.00" or
// "EUR 12.00" (a space follows a symbol that ends in a letter).
func (Currency) Text(o *tablev1.FieldOptions, stored any) string {
	f, ok := storedFloat(stored)
	if !ok {
		return ""
	}
	s := formatFixed(f, int(o.GetCurrency().GetPrecision()))
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	sym := o.GetCurrency().GetSymbol()
	if last, _ := utf8.DecodeLastRuneInString(sym); unicode.IsLetter(last) {
		sym += " "
	}
	return sign + sym + s
}
