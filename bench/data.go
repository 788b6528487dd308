package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/structpb"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
)

// The benchmark table: ten fields of the common types, about 1 KB a row.
// Email is the upsert key (made unique through the API); Rank is the sort
// field of the grid query, Status and Active its equality filters.
const (
	fName     = "Name"
	fNotes    = "Notes"
	fStatus   = "Status"
	fQuantity = "Quantity"
	fPrice    = "Price"
	fActive   = "Active"
	fDue      = "Due"
	fEmail    = "Email"
	fTags     = "Tags"
	fRank     = "Rank"
)

// fieldOrder is the order of the fields in the table and in raw inserts.
var fieldOrder = []string{fName, fNotes, fStatus, fQuantity, fPrice, fActive, fDue, fEmail, fTags, fRank}

var (
	statusChoices = []string{"Backlog", "Todo", "Doing", "Review", "Done"}
	tagChoices    = []string{"red", "orange", "yellow", "green", "blue", "indigo", "violet", "grey"}
)

// fieldSpecs are the fields the benchmark tables are created with.
func fieldSpecs() []*tablev1.FieldSpec {
	choices := func(names []string) *tablev1.FieldOptions {
		var cs []*tablev1.Choice
		for _, n := range names {
			cs = append(cs, &tablev1.Choice{Name: n})
		}
		return &tablev1.FieldOptions{Kind: &tablev1.FieldOptions_Select{Select: &tablev1.SelectOptions{Choices: cs}}}
	}
	number := func(p int32) *tablev1.FieldOptions {
		return &tablev1.FieldOptions{Kind: &tablev1.FieldOptions_Number{Number: &tablev1.NumberOptions{Precision: p}}}
	}
	return []*tablev1.FieldSpec{
		{Name: fName, Type: tablev1.FieldType_FIELD_TYPE_SINGLE_LINE_TEXT},
		{Name: fNotes, Type: tablev1.FieldType_FIELD_TYPE_LONG_TEXT},
		{Name: fStatus, Type: tablev1.FieldType_FIELD_TYPE_SINGLE_SELECT, Options: choices(statusChoices)},
		{Name: fQuantity, Type: tablev1.FieldType_FIELD_TYPE_NUMBER, Options: number(0)},
		{Name: fPrice, Type: tablev1.FieldType_FIELD_TYPE_NUMBER, Options: number(2)},
		{Name: fActive, Type: tablev1.FieldType_FIELD_TYPE_CHECKBOX},
		{Name: fDue, Type: tablev1.FieldType_FIELD_TYPE_DATE},
		{Name: fEmail, Type: tablev1.FieldType_FIELD_TYPE_EMAIL},
		{Name: fTags, Type: tablev1.FieldType_FIELD_TYPE_MULTIPLE_SELECTS, Options: choices(tagChoices)},
		{Name: fRank, Type: tablev1.FieldType_FIELD_TYPE_NUMBER, Options: number(0)},
	}
}

// words is the vocabulary of the generated text.
var words = strings.Fields(`alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima
mike november oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu
amber basil cedar dune ember fern granite harbor iris jasper kestrel lagoon meadow nectar
orchid pebble quartz river saffron thistle umber valley willow yarrow zephyr anchor beacon
canyon drift estuary fjord glacier horizon island jungle knoll ledge mesa nook oasis prairie
ridge summit tundra upland vista wharf account budget contract delivery estimate forecast
invoice ledger margin order payment quota receipt schedule target update vendor warranty`)

// gen makes the benchmark's rows. Row i depends only on the seed and i, so
// any worker can make any row and every run makes the same ones.
type gen struct{ seed uint64 }

// row is one generated record, before it is encoded for the API or for a
// raw insert.
type row struct {
	Name, Notes string
	Status      int
	Quantity    int
	Price       float64
	Active      bool
	Due         time.Time
	Email       string
	Tags        []int
	Rank        int
}

var dueEpoch = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

// row returns row i. variant > 0 gives another version of the same row
// (same email, other values), for upserts that update.
func (g gen) row(i, variant int) row {
	r := rand.New(rand.NewPCG(g.seed+uint64(variant)*0x9e3779b97f4a7c15, uint64(i)))
	text := func(n int) string {
		var b strings.Builder
		for b.Len() < n {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(words[r.IntN(len(words))])
		}
		return b.String()
	}
	name := text(34)
	name = strings.ToUpper(name[:1]) + name[1:] + fmt.Sprintf(" #%d", i)
	out := row{
		Name:     name,
		Notes:    text(600),
		Status:   r.IntN(len(statusChoices)),
		Quantity: r.IntN(1000),
		Price:    float64(r.IntN(1_000_000)) / 100,
		Active:   r.IntN(2) == 1,
		Due:      dueEpoch.AddDate(0, 0, r.IntN(2000)),
		Email:    fmt.Sprintf("%s.%s%d@example.com", words[i%len(words)], words[(i/len(words))%len(words)], i),
		Rank:     r.IntN(1_000_000_000),
	}
	for _, j := range r.Perm(len(tagChoices))[:r.IntN(4)] {
		out.Tags = append(out.Tags, j)
	}
	return out
}

// input is the row as an API request gives it, keyed by field name.
func (x row) input() map[string]*structpb.Value {
	tags := make([]any, len(x.Tags))
	for i, t := range x.Tags {
		tags[i] = tagChoices[t]
	}
	m := map[string]*structpb.Value{
		fName:     structpb.NewStringValue(x.Name),
		fNotes:    structpb.NewStringValue(x.Notes),
		fStatus:   structpb.NewStringValue(statusChoices[x.Status]),
		fQuantity: structpb.NewNumberValue(float64(x.Quantity)),
		fPrice:    structpb.NewNumberValue(x.Price),
		fActive:   structpb.NewBoolValue(x.Active),
		fDue:      structpb.NewStringValue(x.Due.Format(time.DateOnly)),
		fEmail:    structpb.NewStringValue(x.Email),
		fRank:     structpb.NewNumberValue(float64(x.Rank)),
	}
	if len(tags) > 0 {
		l, _ := structpb.NewList(tags)
		m[fTags] = structpb.NewListValue(l)
	}
	return m
}

// stored is the row as the server stores it, in fieldOrder: select choices
// by id (ch maps a field name and choice name to the id), multiple selects
// as a JSON array of ids (NULL when none), dates as dates.
func (x row) stored(engine string, ch map[string]map[string]string) []any {
	var tags any
	if len(x.Tags) > 0 {
		ids := make([]string, len(x.Tags))
		for i, t := range x.Tags {
			ids[i] = ch[fTags][tagChoices[t]]
		}
		b, _ := json.Marshal(ids)
		tags = string(b)
	}
	var due any = x.Due
	if engine == "sqlite" {
		due = x.Due.Format(time.DateOnly)
	}
	return []any{x.Name, x.Notes, ch[fStatus][statusChoices[x.Status]], float64(x.Quantity), x.Price, x.Active,
		due, x.Email, tags, float64(x.Rank)}
}
