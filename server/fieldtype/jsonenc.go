package fieldtype

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"

	"google.golang.org/protobuf/types/known/structpb"
)

// encodeJSON encodes a value as compact JSON (object keys sorted, no HTML
// escaping) for a JSON, barcode or attachment cell. It refuses NUL
// characters, which PostgreSQL's JSONB cannot hold, numbers that are not
// finite, and encodings longer than MaxEncodedBytes.
func encodeJSON(x any) (string, error) {
	if err := checkJSONValue(x); err != nil {
		return "", err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(x); err != nil {
		return "", cellError("json.encode", "cannot be encoded as JSON")
	}
	out := strings.TrimSuffix(buf.String(), "\n")
	if len(out) > MaxEncodedBytes {
		return "", cellError("json.max_bytes", "must be at most %d bytes as JSON, not %d", MaxEncodedBytes, len(out))
	}
	return out, nil
}

// storeJSON is encodeJSON for Value: the encoding as the stored value, or
// nil and the error.
func storeJSON(x any) (any, error) {
	s, err := encodeJSON(x)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// checkJSONValue walks a decoded JSON value for what encodeJSON refuses.
func checkJSONValue(x any) error {
	switch v := x.(type) {
	case string:
		if strings.ContainsRune(v, 0) {
			return cellError("string.nul", "must not contain NUL characters")
		}
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return cellError("number.finite", "numbers must be finite")
		}
	case []any:
		for _, item := range v {
			if err := checkJSONValue(item); err != nil {
				return err
			}
		}
	case map[string]any:
		for k, item := range v {
			if err := checkJSONValue(k); err != nil {
				return err
			}
			if err := checkJSONValue(item); err != nil {
				return err
			}
		}
	}
	return nil
}

// jsonCell decodes a stored JSON cell into the API value.
func jsonCell(kind string, stored any) (*structpb.Value, error) {
	if stored == nil {
		return nil, nil
	}
	x, err := storedJSON(stored)
	if err != nil {
		return nil, storedError(kind, stored)
	}
	if x == nil {
		return nil, nil
	}
	v, err := structpb.NewValue(x)
	if err != nil {
		return nil, storedError(kind, stored)
	}
	return v, nil
}
