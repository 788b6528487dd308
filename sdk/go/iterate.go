package pyairtable

import (
	"context"
	"iter"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"

	datav1 "github.com/pyairtable/pyairtable/gen/pyairtable/data/v1"
)

// ListAllRecords returns an iterator over every record the list request
// lets through, in its order, fetching page after page by following
// next_page_token (each page is one ListRecords call, retried like any
// read). req is not changed; its page_token, if set, is where the iteration
// starts, and its page_size (default 100, at most 1000) is the page size.
//
// On an error the iterator yields (nil, err) once and stops. Stopping the
// loop early (break) fetches no further page. Pages are keyset pages, so
// records added or deleted meanwhile never make the iteration repeat or
// skip another record.
//
//	for rec, err := range c.ListAllRecords(ctx, &datav1.ListRecordsRequest{TableId: table}) {
//		if err != nil {
//			return err
//		}
//		fmt.Println(rec.GetId())
//	}
func (c *Client) ListAllRecords(ctx context.Context, req *datav1.ListRecordsRequest) iter.Seq2[*datav1.Record, error] {
	return func(yield func(*datav1.Record, error) bool) {
		page := proto.CloneOf(req)
		for {
			resp, err := c.Records.ListRecords(ctx, connect.NewRequest(page))
			if err != nil {
				yield(nil, err)
				return
			}
			for _, r := range resp.Msg.GetRecords() {
				if !yield(r, nil) {
					return
				}
			}
			next := resp.Msg.GetNextPageToken()
			if next == "" {
				return
			}
			page.PageToken = next
		}
	}
}
