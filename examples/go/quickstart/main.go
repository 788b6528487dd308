package main

import (
	"context"
	"fmt"
	"log"
	"os"

	"connectrpc.com/connect"

	datav1 "github.com/pyairtable/pyairtable/gen/pyairtable/data/v1"
	pyairtable "github.com/pyairtable/pyairtable/sdk/go"
)

// Lead is a record of the Leads table; tags name the fields.
type Lead struct {
	Name  string  `pyairtable:"Name"`
	Email string  `pyairtable:"Email"`
	Value float64 `pyairtable:"Value,omitempty"`
}

func main() {
	ctx := context.Background()
	c, err := pyairtable.New(os.Getenv("PYAIRTABLE_URL"), pyairtable.WithToken(os.Getenv("PYAIRTABLE_TOKEN")))
	if err != nil {
		log.Fatal(err)
	}
	table := os.Getenv("TABLE") // tbl… from CreateTable above

	cells, err := pyairtable.EncodeFields(Lead{Name: "Margaret", Email: "margaret@example.com", Value: 2500})
	if err != nil {
		log.Fatal(err)
	}
	_, err = c.Records.CreateRecords(ctx, connect.NewRequest(&datav1.CreateRecordsRequest{
		TableId: table, Records: []*datav1.RecordInput{{Fields: cells}},
	}))
	if pyairtable.IsInvalidArgument(err) {
		for _, v := range pyairtable.FieldViolations(err) {
			log.Println(v.Path, v.Message) // such as records[0].fields["Value"]
		}
	}
	if err != nil {
		log.Fatal(err)
	}

	// Every record, page after page.
	for rec, err := range c.ListAllRecords(ctx, &datav1.ListRecordsRequest{TableId: table}) {
		if err != nil {
			log.Fatal(err)
		}
		var l Lead
		if err := pyairtable.DecodeFields(rec.GetFields(), &l); err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s <%s> %.2f\n", l.Name, l.Email, l.Value)
	}
}
