package fieldtype

// Limits of cells and options.
const (
	// MaxTextLength is the most characters a text-like cell holds.
	MaxTextLength = 100_000
	// MaxEncodedBytes is the most bytes a JSON, barcode or attachment cell
	// takes when encoded as JSON.
	MaxEncodedBytes = 100_000
	// MaxChoices is the most choices a select field has.
	MaxChoices = 1000
	// MaxChoiceNameLength is the most characters of a choice name.
	MaxChoiceNameLength = 255
	// MaxEmailLength is the most characters of an email address.
	MaxEmailLength = 254
	// MaxPrecision is the most digits after the decimal point of a number,
	// currency or percent field.
	MaxPrecision = 8
	// MaxRating is the highest maximum of a rating field.
	MaxRating = 10
	// MaxCurrencySymbolLength is the most characters of a currency symbol.
	MaxCurrencySymbolLength = 5
)
