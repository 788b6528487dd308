package fieldtype

import (
	"fmt"
	"github.com/pyairtable/pyairtable/server/apperr"
	"strings"
	"unicode/utf8"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/ids"
)

// ChoicePrefix is the id prefix of select choices.
const ChoicePrefix = "sel"

// normalizeSelect is NormalizeOptions for both select types: it trims the
// choice names and refuses empty, overlong or duplicate ones (ignoring
// case); keeps valid ids, refuses malformed or repeated ones and gives new
// "sel…" ids to choices without; and checks colours, giving palette
// colours to choices without.
func normalizeSelect(kind tablev1.FieldType, o *tablev1.FieldOptions) (*tablev1.FieldOptions, error) {
	var vs apperr.Violations
	checkOptionsKind(kind, o, "select", &vs)
	in := o.GetSelect().GetChoices()
	if len(in) > MaxChoices {
		vs.Add("options.select.choices", "options.choices.max_items", "must have at most %d choices, not %d", MaxChoices, len(in))
		return nil, vs.Err(ReasonInvalidOptions)
	}
	out := make([]*tablev1.Choice, len(in))
	names := map[string]int{}
	seenIDs := map[string]int{}
	used := map[string]bool{}
	for i, c := range in {
		p := fmt.Sprintf("options.select.choices[%d]", i)
		name := strings.TrimSpace(c.GetName())
		switch n := utf8.RuneCountInString(name); {
		case n == 0:
			vs.Add(p+".name", "options.choice.name.required", "must not be empty")
		case n > MaxChoiceNameLength:
			vs.Add(p+".name", "options.choice.name.max_len", "must be at most %d characters, not %d", MaxChoiceNameLength, n)
		default:
			if j, dup := names[foldName(name)]; dup {
				vs.Add(p+".name", "options.choice.name.unique", "%s is already the name of choice %d (names are unique ignoring case)", quote(name), j)
			}
			names[foldName(name)] = i
		}
		id := strings.TrimSpace(c.GetId())
		switch {
		case id == "":
			id = ids.New(ChoicePrefix)
		case !ids.Valid(ChoicePrefix, id):
			vs.Add(p+".id", "options.choice.id.format", "%s is not a choice id: leave it empty for a new choice, or keep the \"sel…\" id the server gave", quote(id))
		default:
			if j, dup := seenIDs[id]; dup {
				vs.Add(p+".id", "options.choice.id.unique", "%s is already the id of choice %d", quote(id), j)
			}
		}
		seenIDs[id] = i
		color := strings.TrimSpace(c.GetColor())
		if color != "" && !isColor(color) {
			vs.Add(p+".color", "options.choice.color", "%s is not a colour: %s", quote(color), paletteHelp)
		}
		used[color] = true
		out[i] = &tablev1.Choice{Id: id, Name: name, Color: color}
	}
	if err := vs.Err(ReasonInvalidOptions); err != nil {
		return nil, err
	}
	for i, c := range out {
		if c.Color == "" {
			c.Color = nextColor(used, i)
			used[c.Color] = true
		}
	}
	return &tablev1.FieldOptions{Kind: &tablev1.FieldOptions_Select{Select: &tablev1.SelectOptions{Choices: out}}}, nil
}

// foldName is the form of a choice name that uniqueness compares.
func foldName(name string) string { return strings.ToLower(name) }

// choiceByID finds a choice by its id.
func choiceByID(o *tablev1.FieldOptions, id string) (*tablev1.Choice, bool) {
	for _, c := range o.GetSelect().GetChoices() {
		if c.GetId() == id {
			return c, true
		}
	}
	return nil, false
}

// choiceByName finds a choice by its name, ignoring case and surrounding
// spaces.
func choiceByName(o *tablev1.FieldOptions, name string) (*tablev1.Choice, bool) {
	name = strings.TrimSpace(name)
	for _, c := range o.GetSelect().GetChoices() {
		if c.GetName() == name {
			return c, true
		}
	}
	for _, c := range o.GetSelect().GetChoices() {
		if strings.EqualFold(c.GetName(), name) {
			return c, true
		}
	}
	return nil, false
}

// findChoice finds a choice by id, else by name.
func findChoice(o *tablev1.FieldOptions, s string, typecast bool) (*tablev1.Choice, error) {
	if c, ok := choiceByID(o, s); ok {
		return c, nil
	}
	if c, ok := choiceByName(o, s); ok {
		return c, nil
	}
	msg := fmt.Sprintf("choice %s is not one of the field's choices (%s)", quote(s), choiceList(o))
	if !typecast {
		msg += "; add it to the field, or write with typecast to add it"
	}
	return nil, cellError("select.choice", "%s", msg)
}

// choiceList names the first choices of a field, for messages.
func choiceList(o *tablev1.FieldOptions) string {
	const most = 10
	cs := o.GetSelect().GetChoices()
	if len(cs) == 0 {
		return "it has none"
	}
	var names []string
	for i, c := range cs {
		if i == most {
			names = append(names, fmt.Sprintf("and %d more", len(cs)-most))
			break
		}
		names = append(names, c.GetName())
	}
	return strings.Join(names, ", ")
}
