package pyairtable_test

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/structpb"

	pyairtable "github.com/pyairtable/pyairtable/sdk/go"
)

// cellsJSON writes cells as JSON with sorted keys, for comparisons.
func cellsJSON(t *testing.T, cells map[string]*structpb.Value) string {
	t.Helper()
	b, err := json.Marshal(pyairtable.FieldMap(cells))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestEncodeStruct(t *testing.T) {
	note := "fragile"
	type row struct {
		Name     string          `pyairtable:"Name"`
		Price    float64         `pyairtable:"Price,omitempty"`
		Count    int             `pyairtable:"Count"`
		InStock  bool            `pyairtable:"In stock,omitempty"`
		Released time.Time       `pyairtable:"Released,date,omitempty"`
		Seen     time.Time       `pyairtable:"Seen,omitempty"`
		Tags     []string        `pyairtable:"Tags,omitempty"`
		Note     *string         `pyairtable:"Note"`
		Gone     *string         `pyairtable:"Gone"`
		Skipped  string          `pyairtable:"-"`
		Untagged string          // untagged: not a cell
		Raw      *structpb.Value `pyairtable:"Raw,omitempty"`
	}
	cells, err := pyairtable.EncodeFields(&row{
		Name: "Lamp", Count: 0, InStock: true,
		Released: time.Date(2026, 3, 1, 15, 4, 0, 0, time.UTC),
		Seen:     time.Date(2026, 3, 1, 15, 4, 5, 0, time.FixedZone("", 3600)),
		Tags:     []string{"office", "sale"}, Note: &note, Skipped: "x", Untagged: "y",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"Count":0,"Gone":null,"In stock":true,"Name":"Lamp","Note":"fragile","Released":"2026-03-01","Seen":"2026-03-01T15:04:05+01:00","Tags":["office","sale"]}`
	if got := cellsJSON(t, cells); got != want {
		t.Fatalf("cells\n%s\nwant\n%s", got, want)
	}
}

func TestEncodeMap(t *testing.T) {
	cells, err := pyairtable.EncodeFields(map[string]any{"Name": "Pen", "Price": 2.5, "Qty": int64(3), "Tags": []string{"a"}, "Empty": nil,
		"Meta": map[string]any{"k": uint8(1)}})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"Empty":null,"Meta":{"k":1},"Name":"Pen","Price":2.5,"Qty":3,"Tags":["a"]}`
	if got := cellsJSON(t, cells); got != want {
		t.Fatalf("cells %s; want %s", got, want)
	}
	for _, bad := range []any{map[string]any{"Price": math.NaN()}, map[string]any{"C": make(chan int)}, 42, nil, map[int]string{1: "a"}} {
		if _, err := pyairtable.EncodeFields(bad); err == nil {
			t.Errorf("EncodeFields(%#v) succeeded; want an error", bad)
		}
	}
	if m := pyairtable.FieldMap(cells); m["Price"] != 2.5 || m["Empty"] != nil || !reflect.DeepEqual(m["Tags"], []any{"a"}) {
		t.Fatalf("FieldMap %v", m)
	}
}

func TestDecodeStruct(t *testing.T) {
	type row struct {
		Name     string         `pyairtable:"Name"`
		Price    float64        `pyairtable:"Price"`
		Count    int16          `pyairtable:"Count"`
		InStock  bool           `pyairtable:"In stock"`
		Released time.Time      `pyairtable:"Released"`
		Seen     *time.Time     `pyairtable:"Seen"`
		Tags     []string       `pyairtable:"Tags"`
		Note     *string        `pyairtable:"Note"`
		Any      any            `pyairtable:"Any"`
		Meta     map[string]int `pyairtable:"Meta"`
	}
	cells := mustFields(t, map[string]any{
		"name": "Lamp", "Price": 30.5, "Count": 7, "Released": "2026-03-01", "Seen": "2026-03-01T15:04:05Z",
		"Tags": []string{"office"}, "Any": []any{1.0, "x"}, "Meta": map[string]any{"a": 1},
	})
	got := row{InStock: true, Note: new(string)} // cells left out reset these
	if err := pyairtable.DecodeFields(cells, &got); err != nil {
		t.Fatal(err)
	}
	seen := time.Date(2026, 3, 1, 15, 4, 5, 0, time.UTC)
	want := row{Name: "Lamp", Price: 30.5, Count: 7, Released: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), Seen: &seen,
		Tags: []string{"office"}, Any: []any{1.0, "x"}, Meta: map[string]int{"a": 1}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("decoded %+v\nwant %+v", got, want)
	}

	var m map[string]any
	if err := pyairtable.DecodeFields(cells, &m); err != nil || m["Price"] != 30.5 {
		t.Fatalf("into a map: %v, %v", m, err)
	}
	for _, tc := range []struct {
		cells map[string]any
		want  string
	}{
		{map[string]any{"Name": 3}, `field "Name" into row.Name: want text, got the number 3`},
		{map[string]any{"Count": 2.5}, `2.5 is not a whole number`},
		{map[string]any{"Count": 70000}, `70000 does not fit int16`},
		{map[string]any{"Released": "March"}, `"March" is neither a date`},
		{map[string]any{"Tags": "office"}, `want a list, got text "office"`},
	} {
		err := pyairtable.DecodeFields(mustFields(t, tc.cells), &row{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("decode %v: %v; want an error containing %q", tc.cells, err, tc.want)
		}
	}
	if err := pyairtable.DecodeFields(cells, row{}); err == nil {
		t.Error("decoding into a struct value (not a pointer) succeeded")
	}
}

func TestNewRequestID(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		id := pyairtable.NewRequestID()
		if len(id) != 36 || strings.Trim(id, "0123456789abcdef-") != "" || id[14] != '4' || seen[id] {
			t.Fatalf("request id %q: want a fresh UUID v4", id)
		}
		seen[id] = true
	}
}
