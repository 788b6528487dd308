package examples_test

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// TestGoTour runs the Go tour and checks its steps and what it left.
func TestGoTour(t *testing.T) {
	t.Parallel()
	c, env := server(t)
	bin := build(t)
	out := runProgram(t, env, filepath.Join(bin, "tour"))
	wantLines(t, out,
		"1. signed in as tour@example.com",
		"2. created workspace Go tour",
		"3. created base CRM",
		"4. created table Leads with 4 fields",
		"5. created 3 records",
		"6. won leads, largest first: Grace (3400), Edsger (900)",
		"7. upserted by email: 1 updated, 1 created",
		"9. the table holds 3 records; won: Grace (3400), Ada (1200)",
	)
	recs := recordsOf(t, c, findTable(t, c, "Go tour", "CRM", "Leads"), "Email")
	if len(recs) != 3 || recs["ada@example.com"]["Stage"] != "Won" || recs["linus@example.com"]["Name"] != "Linus" || recs["edsger@example.com"] != nil {
		t.Fatalf("the tour left %v; want Ada (won), Grace and Linus", recs)
	}
}

// TestGoCSVImport imports a CSV file of 3000 rows and checks the table it
// made: guessed types, every row, and cells with commas, quotes, empty
// cells and non-ASCII text.
func TestGoCSVImport(t *testing.T) {
	t.Parallel()
	c, env := server(t)
	bin := build(t)
	path := filepath.Join(t.TempDir(), "inventory.csv")
	writeInventory(t, path, 3000)

	out := runProgram(t, env, filepath.Join(bin, "csvimport"), "-table", "Stock", path)
	wantLines(t, out,
		"read 3000 rows of 6 columns from inventory.csv",
		"  SKU: single_line_text",
		"  Name: single_line_text",
		"  Price: number",
		"  In stock: checkbox",
		"  Added: date",
		"  Notes: single_line_text",
		"imported 1000/3000",
		"imported 2000/3000",
		"imported 3000/3000",
		"done: table Stock holds 3000 records",
	)
	recs := recordsOf(t, c, findTable(t, c, "inventory", "inventory", "Stock"), "SKU")
	if len(recs) != 3000 {
		t.Fatalf("the table holds %d distinct SKUs; want 3000", len(recs))
	}
	got := recs["SKU-00007"]
	if got["Name"] != `Lamp "Deluxe", 7` || got["Price"] != 7.25 || got["In stock"] != nil || got["Added"] != "2026-01-08" || got["Notes"] != "Überraschung 7" {
		t.Fatalf("SKU-00007 imported as %v", got)
	}
	if got := recs["SKU-00010"]; got["In stock"] != true || got["Notes"] != nil {
		t.Fatalf("SKU-00010 imported as %v; want in stock, no notes", got)
	}
}

// writeInventory writes a CSV file of n products.
func writeInventory(t *testing.T, path string, n int) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	_ = w.Write([]string{"SKU", "Name", "Price", "In stock", "Added", "Notes"})
	for i := range n {
		inStock, notes := "no", fmt.Sprintf("Überraschung %d", i)
		if i%2 == 0 {
			inStock = "yes"
		}
		if i%5 == 0 {
			notes = ""
		}
		_ = w.Write([]string{fmt.Sprintf("SKU-%05d", i), fmt.Sprintf("Lamp \"Deluxe\", %d", i), fmt.Sprintf("%d.25", i),
			inStock, fmt.Sprintf("2026-01-%02d", i%28+1), notes})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}
