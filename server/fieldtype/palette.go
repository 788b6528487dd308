package fieldtype

import "strings"

// Palette lists the colour names a select choice may have, in the order
// the server gives them to new choices: the ten hues in their "Light2"
// shade, then "Light1", the plain hue, and "Dark1".
var Palette = func() []string {
	hues := []string{"blue", "cyan", "teal", "green", "yellow", "orange", "red", "pink", "purple", "gray"}
	var out []string
	for _, shade := range []string{"Light2", "Light1", "", "Dark1"} {
		for _, h := range hues {
			out = append(out, h+shade)
		}
	}
	return out
}()

var paletteSet = func() map[string]bool {
	m := make(map[string]bool, len(Palette))
	for _, c := range Palette {
		m[c] = true
	}
	return m
}()

// paletteHelp says which colour names exist, for messages.
const paletteHelp = "use blue, cyan, teal, green, yellow, orange, red, pink, purple or gray, optionally followed by Light2, Light1 or Dark1"

// nextColor returns the first palette colour not in used, or, when all are
// used, the colour at position i of the palette.
func nextColor(used map[string]bool, i int) string {
	for _, c := range Palette {
		if !used[c] {
			return c
		}
	}
	return Palette[i%len(Palette)]
}

// isColor reports whether c is a palette colour.
func isColor(c string) bool { return paletteSet[strings.TrimSpace(c)] }
