package pyairtable_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/structpb"

	datav1 "github.com/pyairtable/pyairtable/gen/pyairtable/data/v1"
	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	userv1 "github.com/pyairtable/pyairtable/gen/pyairtable/user/v1"
	workspacev1 "github.com/pyairtable/pyairtable/gen/pyairtable/workspace/v1"
	pyairtable "github.com/pyairtable/pyairtable/sdk/go"
)

// In these examples serverURL and token are a running server and a
// personal access token, as a program would read them from
// PYAIRTABLE_URL and PYAIRTABLE_TOKEN.

func Example() {
	c, err := pyairtable.New(serverURL, pyairtable.WithToken(token))
	if err != nil {
		log.Fatal(err)
	}
	me, err := c.Users.GetCurrentUser(context.Background(), connect.NewRequest(&userv1.GetCurrentUserRequest{}))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("signed in as", me.Msg.GetUser().GetEmail())
	// Output: signed in as sdk@example.com
}

func ExampleNew() {
	c, err := pyairtable.New(serverURL,
		pyairtable.WithToken(token),
		pyairtable.WithProtocol(pyairtable.GRPC),
		pyairtable.WithTimeout(30*time.Second),
		pyairtable.WithRetry(pyairtable.RetryPolicy{MaxAttempts: 5}),
		pyairtable.WithUserAgent("inventory-sync/1.0"),
	)
	if err != nil {
		log.Fatal(err)
	}
	w, err := c.Workspaces.CreateWorkspace(context.Background(), connect.NewRequest(&workspacev1.CreateWorkspaceRequest{Name: "Marketing"}))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(w.Msg.GetWorkspace().GetName(), w.Msg.GetWorkspace().GetRole())
	// Output: Marketing ROLE_OWNER
}

// createProductsTable makes a workspace, a base and a table of products
// (Name, Price, In stock, Released, Tags, Note) and returns the table's id.
func createProductsTable(c *pyairtable.Client) string {
	ctx := context.Background()
	w, err := c.Workspaces.CreateWorkspace(ctx, connect.NewRequest(&workspacev1.CreateWorkspaceRequest{Name: "Examples"}))
	if err != nil {
		log.Fatal(err)
	}
	b, err := c.Bases.CreateBase(ctx, connect.NewRequest(&tablev1.CreateBaseRequest{WorkspaceId: w.Msg.GetWorkspace().GetId(), Name: "Shop"}))
	if err != nil {
		log.Fatal(err)
	}
	t, err := c.Tables.CreateTable(ctx, connect.NewRequest(&tablev1.CreateTableRequest{BaseId: b.Msg.GetBase().GetId(), Name: "Products", Fields: productFields()}))
	if err != nil {
		log.Fatal(err)
	}
	return t.Msg.GetTable().GetId()
}

func ExampleClient_ListAllRecords() {
	c, _ := pyairtable.New(serverURL, pyairtable.WithToken(token))
	ctx := context.Background()
	table := createProductsTable(c)
	var records []*datav1.RecordInput
	for i := 1; i <= 250; i++ {
		cells, _ := pyairtable.EncodeFields(map[string]any{"Name": fmt.Sprintf("Item %d", i), "Price": i})
		records = append(records, &datav1.RecordInput{Fields: cells})
	}
	if _, err := c.CreateAllRecords(ctx, &datav1.CreateRecordsRequest{TableId: table, Records: records}, nil); err != nil {
		log.Fatal(err)
	}

	// Items of at least 120, most expensive first, fetched 100 a page.
	n, total := 0, 0.0
	for rec, err := range c.ListAllRecords(ctx, &datav1.ListRecordsRequest{
		TableId: table,
		Filter: &tablev1.Filter{Node: &tablev1.Filter_Condition{Condition: &tablev1.Condition{
			Field: "Price", Operator: tablev1.Operator_OPERATOR_GREATER_THAN_OR_EQUAL,
			Operand: &tablev1.Condition_Value{Value: structpb.NewNumberValue(120)},
		}}},
		Sorts: []*tablev1.Sort{{Field: "Price", Direction: tablev1.SortDirection_SORT_DIRECTION_DESCENDING}},
	}) {
		if err != nil {
			log.Fatal(err)
		}
		if n == 0 {
			fmt.Println("first:", rec.GetFields()["Name"].GetStringValue())
		}
		n++
		total += rec.GetFields()["Price"].GetNumberValue()
	}
	fmt.Println(n, "records worth", total)
	// Output:
	// first: Item 250
	// 131 records worth 24235
}

func ExampleClient_CreateAllRecords() {
	c, _ := pyairtable.New(serverURL, pyairtable.WithToken(token))
	ctx := context.Background()
	table := createProductsTable(c)
	req := &datav1.CreateRecordsRequest{TableId: table, Typecast: true}
	for i := range 2500 {
		cells, _ := pyairtable.EncodeFields(map[string]any{"Name": fmt.Sprintf("Item %d", i), "Price": "1,000.50"})
		req.Records = append(req.Records, &datav1.RecordInput{Fields: cells})
	}
	created, err := c.CreateAllRecords(ctx, req, func(done, total int) {
		fmt.Printf("%d/%d\n", done, total)
	})
	if err != nil {
		// created holds the records of the chunks written before the
		// failure; the *BatchError says which records failed.
		log.Fatal(err)
	}
	fmt.Println(len(created), "created; price read as", created[0].GetFields()["Price"].GetNumberValue())
	// Output:
	// 1000/2500
	// 2000/2500
	// 2500/2500
	// 2500 created; price read as 1000.5
}

func ExampleEncodeFields() {
	type Product struct {
		Name     string    `pyairtable:"Name"`
		Price    float64   `pyairtable:"Price,omitempty"`
		InStock  bool      `pyairtable:"In stock,omitempty"`
		Released time.Time `pyairtable:"Released,date,omitempty"`
		Tags     []string  `pyairtable:"Tags,omitempty"`
		Note     *string   `pyairtable:"Note"`
	}
	cells, err := pyairtable.EncodeFields(Product{
		Name: "Lamp", Price: 30, Released: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), Tags: []string{"office"},
	})
	if err != nil {
		log.Fatal(err)
	}
	out, _ := json.Marshal(pyairtable.FieldMap(cells))
	fmt.Println(string(out))
	// Output: {"Name":"Lamp","Note":null,"Price":30,"Released":"2026-03-01","Tags":["office"]}
}

func ExampleDecodeFields() {
	c, _ := pyairtable.New(serverURL, pyairtable.WithToken(token))
	ctx := context.Background()
	table := createProductsTable(c)
	cells, _ := pyairtable.EncodeFields(map[string]any{"Name": "Lamp", "Price": 30, "In stock": true, "Released": "2026-03-01", "Tags": []string{"office", "sale"}})
	created, err := c.Records.CreateRecords(ctx, connect.NewRequest(&datav1.CreateRecordsRequest{TableId: table, Records: []*datav1.RecordInput{{Fields: cells}}}))
	if err != nil {
		log.Fatal(err)
	}

	type Product struct {
		Name     string    `pyairtable:"Name"`
		Price    float64   `pyairtable:"Price"`
		InStock  bool      `pyairtable:"In stock"`
		Released time.Time `pyairtable:"Released"`
		Tags     []string  `pyairtable:"Tags"`
		Note     *string   `pyairtable:"Note"`
	}
	var p Product
	if err := pyairtable.DecodeFields(created.Msg.GetRecords()[0].GetFields(), &p); err != nil {
		log.Fatal(err)
	}
	fmt.Println(p.Name, p.Price, p.InStock, p.Released.Format("Jan 2, 2006"), p.Tags, p.Note == nil)
	// Output: Lamp 30 true Mar 1, 2026 [office sale] true
}

func ExampleFieldViolations() {
	c, _ := pyairtable.New(serverURL, pyairtable.WithToken(token))
	table := createProductsTable(c)
	_, err := c.Records.CreateRecords(context.Background(), connect.NewRequest(&datav1.CreateRecordsRequest{
		TableId: table,
		Records: []*datav1.RecordInput{
			{Fields: map[string]*structpb.Value{"Name": structpb.NewStringValue("Pen")}},
			{Fields: map[string]*structpb.Value{"Price": structpb.NewStringValue("cheap")}},
		},
	}))
	fmt.Println(pyairtable.Code(err), pyairtable.Reason(err), pyairtable.IsInvalidArgument(err))
	for _, v := range pyairtable.FieldViolations(err) {
		fmt.Println(v.Path)
	}
	// Output:
	// invalid_argument INVALID_CELL_VALUE true
	// records[1].fields["Price"]
}

func ExampleIsEtagMismatch() {
	c, _ := pyairtable.New(serverURL, pyairtable.WithToken(token))
	ctx := context.Background()
	table := createProductsTable(c)
	cells, _ := pyairtable.EncodeFields(map[string]any{"Name": "Pen", "Price": 2})
	created, err := c.Records.CreateRecords(ctx, connect.NewRequest(&datav1.CreateRecordsRequest{TableId: table, Records: []*datav1.RecordInput{{Fields: cells}}}))
	if err != nil {
		log.Fatal(err)
	}
	pen := created.Msg.GetRecords()[0]

	// Two writers start from the same etag; the second one loses.
	for _, price := range []float64{3, 4} {
		_, err := c.Records.UpdateRecords(ctx, connect.NewRequest(&datav1.UpdateRecordsRequest{
			TableId: table,
			Records: []*datav1.RecordUpdate{{Id: pen.GetId(), Etag: pen.GetEtag(), Fields: map[string]*structpb.Value{"Price": structpb.NewNumberValue(price)}}},
		}))
		switch {
		case pyairtable.IsEtagMismatch(err):
			fmt.Println(price, "refused: the record changed meanwhile")
		case err != nil:
			log.Fatal(err)
		default:
			fmt.Println(price, "written")
		}
	}
	// Output:
	// 3 written
	// 4 refused: the record changed meanwhile
}
