package fieldtype_test

import (
	"bufio"
	"os"
	"strings"
	"testing"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/fieldtype"
)

// docPath is the conversion document the matrix tests are generated from.
const docPath = "../../docs/field-conversions.md"

// conversionDoc is what the document says: each pair's letter.
type conversionDoc struct {
	kinds  map[string]tablev1.FieldType // code -> kind, from the Codes table
	matrix map[tablev1.FieldType]map[tablev1.FieldType]string
}

// readConversionDoc parses the Codes table (rows "| CODE | FIELD_TYPE_… |")
// and the matrix (header "| from \ to | CODE | …", rows "| **CODE** | C | …").
func readConversionDoc(t *testing.T) conversionDoc {
	t.Helper()
	f, err := os.Open(docPath)
	if err != nil {
		t.Fatalf("open %s: %v", docPath, err)
	}
	defer f.Close()
	doc := conversionDoc{kinds: map[string]tablev1.FieldType{}, matrix: map[tablev1.FieldType]map[tablev1.FieldType]string{}}
	var columns []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, "|") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		switch {
		case len(cells) >= 2 && strings.HasPrefix(cells[1], "FIELD_TYPE_"):
			n, ok := tablev1.FieldType_value[cells[1]]
			if !ok {
				t.Fatalf("the document names an unknown type %s", cells[1])
			}
			doc.kinds[cells[0]] = tablev1.FieldType(n)
		case cells[0] == `from \ to`:
			columns = cells[1:]
		case columns != nil && strings.HasPrefix(cells[0], "**"):
			from, ok := doc.kinds[strings.Trim(cells[0], "*")]
			if !ok {
				t.Fatalf("matrix row %s has no code in the Codes table", cells[0])
			}
			if len(cells)-1 != len(columns) {
				t.Fatalf("matrix row %s has %d cells, want %d", cells[0], len(cells)-1, len(columns))
			}
			row := map[tablev1.FieldType]string{}
			for i, letter := range cells[1:] {
				to, ok := doc.kinds[columns[i]]
				if !ok {
					t.Fatalf("matrix column %s has no code in the Codes table", columns[i])
				}
				row[to] = letter
			}
			doc.matrix[from] = row
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return doc
}

var letters = map[string]fieldtype.Conversion{"C": fieldtype.Converted, "L": fieldtype.Lossy, "R": fieldtype.Refused}

// TestConversionMatrixMatchesDoc checks ConversionOf against every cell of
// the document's matrix, and that the matrix covers every type.
func TestConversionMatrixMatchesDoc(t *testing.T) {
	doc := readConversionDoc(t)
	all := fieldtype.All()
	if len(doc.kinds) != len(all) {
		t.Errorf("the Codes table has %d types, the registry %d", len(doc.kinds), len(all))
	}
	for _, from := range all {
		row, ok := doc.matrix[from.Kind()]
		if !ok {
			t.Errorf("%s has no row in %s", from.Kind(), docPath)
			continue
		}
		for _, to := range all {
			letter, ok := row[to.Kind()]
			if !ok {
				t.Errorf("%s has no column in %s", to.Kind(), docPath)
				continue
			}
			want, ok := letters[letter]
			if !ok {
				t.Errorf("%s -> %s: %q is not C, L or R", from.Kind(), to.Kind(), letter)
				continue
			}
			if got := fieldtype.ConversionOf(from.Kind(), to.Kind()); got != want {
				t.Errorf("%s -> %s: ConversionOf = %s, the document says %s", from.Kind(), to.Kind(), got, want)
			}
		}
	}
}

// TestConvertFollowsDoc converts every sample of every type into every
// type, as the document says: Converted pairs never clear a sample, Lossy
// ones may, Refused ones fail. A kept value must be a valid stored value of
// the target, and an empty cell stays empty.
func TestConvertFollowsDoc(t *testing.T) {
	doc := readConversionDoc(t)
	smp := samples(t)
	for _, from := range fieldtype.All() {
		for _, to := range fieldtype.All() {
			fs, ts := smp[from.Kind()], smp[to.Kind()]
			want := letters[doc.matrix[from.Kind()][to.Kind()]]
			name := fieldtype.Label(from.Kind()) + " to " + fieldtype.Label(to.Kind())
			t.Run(name, func(t *testing.T) {
				for _, stored := range append([]any{nil}, fs.values...) {
					out, ok, err := fieldtype.Convert(from, fs.opts, to, ts.opts, stored, env)
					if want == fieldtype.Refused {
						e, isApp := apperr.As(err)
						if !isApp || e.Kind != apperr.InvalidArgument || e.Reason != fieldtype.ReasonConversionRefused {
							t.Fatalf("Convert(%#v) = %#v, %v, %v; want a refusal", stored, out, ok, err)
						}
						continue
					}
					if err != nil {
						t.Fatalf("Convert(%#v): %v", stored, err)
					}
					if !ok {
						if want == fieldtype.Converted {
							t.Errorf("Convert(%#v) cleared the cell of a converted pair", stored)
						}
						if stored == nil {
							t.Errorf("an empty cell counted as cleared")
						}
						if empty, _ := to.Value(ts.opts, nil, false, env); !sameStored(out, empty) {
							t.Errorf("a cleared cell is %#v, want %#v", out, empty)
						}
						continue
					}
					checkStored(t, to, ts, out)
				}
			})
		}
	}
}

// checkStored checks that out is a value Value could have written: Cell
// reads it, and writing that API value back stores it again.
func checkStored(t *testing.T, to fieldtype.Type, ts sample, out any) {
	t.Helper()
	cell, err := to.Cell(ts.opts, out)
	if err != nil {
		t.Errorf("converted value %#v: Cell: %v", out, err)
		return
	}
	if to.ReadOnly() {
		return
	}
	if id, isText := out.(string); isText && to.Kind() == tablev1.FieldType_FIELD_TYPE_COLLABORATOR {
		if _, member := env.ResolveUser(id); !member {
			// A user id from created/last modified by is kept even when the
			// user has left the workspace, as a collaborator cell keeps a
			// user who leaves; Value would refuse it as new input.
			return
		}
	}
	again, err := to.Value(ts.opts, cell, false, env)
	if err != nil {
		t.Errorf("converted value %#v: Value(Cell = %s): %v", out, jsonOf(cell), err)
		return
	}
	if !sameStored(again, out) {
		t.Errorf("converted value %#v is not normalised: Value(Cell) stores %#v", out, again)
	}
}
