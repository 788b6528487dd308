// Package pyairtable is the Go SDK of PyAirtable, a self-hostable,
// Airtable-style data platform.
//
// A [Client] holds a typed client for every service of the contract
// (Users, Auth, Workspaces, Bases, Tables, Views, Operations, Records),
// speaking Connect (JSON or binary), gRPC or gRPC-Web to one server. Every
// call goes through one interceptor that sends the personal access token,
// sets a fresh request_id on writes that have none (so a retried write is
// never applied twice), bounds the call by the configured timeout and
// retries what is safe to retry, with exponential backoff and full jitter,
// honouring the server's RetryInfo on rate limits.
//
// On top of the generated clients the package adds what most programs
// write by hand: an iterator over every record of a list
// ([Client.ListAllRecords]), batch helpers that split any number of records
// into atomic calls of at most 1000 ([Client.CreateAllRecords],
// [Client.UpdateAllRecords], [Client.DeleteAllRecords]), conversions between
// Go values and record cells ([EncodeFields], [DecodeFields], [FieldMap]),
// and helpers that read error details ([Code], [Reason], [FieldViolations],
// [RetryDelay], [IsNotFound] and friends).
//
// A short tour:
//
//	c, err := pyairtable.New("http://localhost:8080", pyairtable.WithToken(os.Getenv("PYAIRTABLE_TOKEN")))
//	if err != nil {
//		log.Fatal(err)
//	}
//	ctx := context.Background()
//	me, err := c.Users.GetCurrentUser(ctx, connect.NewRequest(&userv1.GetCurrentUserRequest{}))
//	if err != nil {
//		log.Fatal(err)
//	}
//	fmt.Println("signed in as", me.Msg.GetUser().GetEmail())
//
//	type Product struct {
//		Name  string  `pyairtable:"Name"`
//		Price float64 `pyairtable:"Price,omitempty"`
//	}
//	cells, _ := pyairtable.EncodeFields(Product{Name: "Pen", Price: 2.5})
//	_, err = c.Records.CreateRecords(ctx, connect.NewRequest(&datav1.CreateRecordsRequest{
//		TableId: tableID,
//		Records: []*datav1.RecordInput{{Fields: cells}},
//	}))
//	if err != nil {
//		log.Fatal(err)
//	}
//	for rec, err := range c.ListAllRecords(ctx, &datav1.ListRecordsRequest{TableId: tableID}) {
//		if err != nil {
//			log.Fatal(err)
//		}
//		var p Product
//		if err := pyairtable.DecodeFields(rec.GetFields(), &p); err != nil {
//			log.Fatal(err)
//		}
//		fmt.Println(p.Name, p.Price)
//	}
package pyairtable
