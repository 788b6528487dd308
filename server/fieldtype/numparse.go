package fieldtype

import (
	"math"
	"sort"
	"strconv"
	"strings"

	"google.golang.org/protobuf/types/known/structpb"
)

// commonSymbols are currency symbols typecast ignores around any number.
var commonSymbols = []string{"$", "€", "£", "¥", "₹"}

// parseNumberText reads a number as a person types it: surrounding spaces,
// a sign before or after a currency symbol ("-$5", "$-5"), symbols at the
// start or end (the ones given and commonSymbols), and spaces, "_" and ","
// between digits (thousands separators) are ignored. A decimal comma is not
// understood: "1,5" reads as 15.
func parseNumberText(s string, symbols ...string) (float64, bool) {
	all := append(append([]string{}, symbols...), commonSymbols...)
	sort.Slice(all, func(i, j int) bool { return len(all[i]) > len(all[j]) })
	t := strings.TrimSpace(s)
	neg, signed := false, false
	takeSign := func() {
		if !signed && (strings.HasPrefix(t, "-") || strings.HasPrefix(t, "+")) {
			neg, signed = t[0] == '-', true
			t = strings.TrimSpace(t[1:])
		}
	}
	takeSign()
	for _, sym := range all {
		if sym != "" && strings.HasPrefix(t, sym) {
			t = strings.TrimSpace(t[len(sym):])
			break
		}
	}
	takeSign()
	for _, sym := range all {
		if sym != "" && strings.HasSuffix(t, sym) {
			t = strings.TrimSpace(t[:len(t)-len(sym)])
			break
		}
	}
	t = strings.Map(func(r rune) rune {
		switch r {
		case ',', '_', ' ', '\u00a0', '\u202f', '\u2009':
			return -1
		}
		return r
	}, t)
	if t == "" || strings.Trim(t, "0123456789.eE+-") != "" {
		return 0, false
	}
	if signed && (t[0] == '-' || t[0] == '+') {
		return 0, false
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, false
	}
	if neg {
		f = -f
	}
	return f, true
}

// numberInput reads an input cell as a number. Without typecast it must be a
// finite number; with typecast, text is read by parseNumberText (with the
// symbols) and true and false are 1 and 0.
func numberInput(v *structpb.Value, typecast bool, symbols ...string) (float64, error) {
	switch k := v.Kind.(type) {
	case *structpb.Value_NumberValue:
		if math.IsInf(k.NumberValue, 0) || math.IsNaN(k.NumberValue) {
			return 0, cellError("number.finite", "must be a finite number")
		}
		return k.NumberValue, nil
	case *structpb.Value_StringValue:
		if !typecast {
			return 0, cellError("type", "must be a number, not text (set typecast to read text such as %s)", quote(k.StringValue))
		}
		f, ok := parseNumberText(k.StringValue, symbols...)
		if !ok {
			return 0, cellError("number.format", "%s is not a number", quote(k.StringValue))
		}
		return f, nil
	case *structpb.Value_BoolValue:
		if typecast {
			if k.BoolValue {
				return 1, nil
			}
			return 0, nil
		}
	}
	return 0, cellError("type", "must be a number, not %s", Describe(v))
}

// round rounds f to digits after the decimal point, half away from zero, as
// a person reading its shortest decimal form would: 2.5 gives 3 and 2.675
// gives 2.68 at two digits. -0 becomes 0.
func round(f float64, digits int) float64 {
	s := strconv.FormatFloat(math.Abs(f), 'f', -1, 64)
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) <= digits {
		if f == 0 {
			return 0
		}
		return f
	}
	kept := []byte(whole + frac[:digits])
	if frac[digits] >= '5' {
		i := len(kept) - 1
		for ; i >= 0 && kept[i] == '9'; i-- {
			kept[i] = '0'
		}
		if i < 0 {
			kept = append([]byte{'1'}, kept...)
		} else {
			kept[i]++
		}
	}
	point := len(kept) - digits
	r, err := strconv.ParseFloat(string(kept[:point])+"."+string(kept[point:]), 64)
	if err != nil || r == 0 {
		return 0
	}
	if f < 0 {
		return -r
	}
	return r
}

// formatFixed formats f with digits after the decimal point, never "-0".
func formatFixed(f float64, digits int) string {
	s := strconv.FormatFloat(round(f, digits), 'f', digits, 64)
	if strings.HasPrefix(s, "-") && strings.Trim(s, "-0.") == "" {
		s = s[1:]
	}
	return s
}
