package pyairtable_test

import (
	"context"
	"errors"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/structpb"

	authv1 "github.com/pyairtable/pyairtable/gen/pyairtable/auth/v1"
	datav1 "github.com/pyairtable/pyairtable/gen/pyairtable/data/v1"
	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	userv1 "github.com/pyairtable/pyairtable/gen/pyairtable/user/v1"
	workspacev1 "github.com/pyairtable/pyairtable/gen/pyairtable/workspace/v1"
	pyairtable "github.com/pyairtable/pyairtable/sdk/go"
)

// TestErrorHelpers provokes each kind of error from a real server and reads
// it with the helpers.
func TestErrorHelpers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newClient(t)
	table := newTable(t, c, "Errors")
	created, err := c.Records.CreateRecords(ctx, connect.NewRequest(&datav1.CreateRecordsRequest{TableId: table,
		Records: []*datav1.RecordInput{{Fields: mustFields(t, map[string]any{"Name": "Pen"})}}}))
	if err != nil {
		t.Fatal(err)
	}
	pen := created.Msg.GetRecords()[0]
	tb, err := c.Tables.GetTable(ctx, connect.NewRequest(&tablev1.GetTableRequest{TableId: table}))
	if err != nil {
		t.Fatal(err)
	}
	readOnly, err := c.Auth.CreateToken(ctx, connect.NewRequest(&authv1.CreateTokenRequest{Name: "reader", Scopes: []string{"data.records:read"}}))
	if err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name   string
		call   func() error
		is     func(error) bool
		code   connect.Code
		reason string
	}{
		{"not found", func() error {
			_, err := c.Records.GetRecord(ctx, connect.NewRequest(&datav1.GetRecordRequest{TableId: table, RecordId: "rec00000000000000"}))
			return err
		}, pyairtable.IsNotFound, connect.CodeNotFound, "NOT_FOUND"},
		{"unauthenticated", func() error {
			_, err := newClient(t, pyairtable.WithToken("patAAAAAAAAAAAAAA.wrong")).Users.GetCurrentUser(ctx, connect.NewRequest(&userv1.GetCurrentUserRequest{}))
			return err
		}, pyairtable.IsUnauthenticated, connect.CodeUnauthenticated, ""},
		{"permission denied", func() error {
			_, err := newClient(t, pyairtable.WithToken(readOnly.Msg.GetSecret())).Workspaces.CreateWorkspace(ctx,
				connect.NewRequest(&workspacev1.CreateWorkspaceRequest{Name: "Not mine"}))
			return err
		}, pyairtable.IsPermissionDenied, connect.CodePermissionDenied, "MISSING_SCOPE"},
		{"invalid argument", func() error {
			_, err := c.Workspaces.CreateWorkspace(ctx, connect.NewRequest(&workspacev1.CreateWorkspaceRequest{Name: ""}))
			return err
		}, pyairtable.IsInvalidArgument, connect.CodeInvalidArgument, "INVALID_ARGUMENT"},
		{"already exists", func() error {
			_, err := c.Tables.CreateTable(ctx, connect.NewRequest(&tablev1.CreateTableRequest{BaseId: tb.Msg.GetTable().GetBaseId(), Name: "products",
				Fields: productFields()}))
			return err
		}, pyairtable.IsAlreadyExists, connect.CodeAlreadyExists, "NAME_TAKEN"},
		{"etag mismatch", func() error {
			_, err := c.Records.UpdateRecords(ctx, connect.NewRequest(&datav1.UpdateRecordsRequest{TableId: table,
				Records: []*datav1.RecordUpdate{{Id: pen.GetId(), Etag: pen.GetEtag() + "0", Fields: mustFields(t, map[string]any{"Price": 3})}}}))
			return err
		}, pyairtable.IsEtagMismatch, connect.CodeFailedPrecondition, "ETAG_MISMATCH"},
	}
	for _, tc := range cases {
		err := tc.call()
		if !tc.is(err) || pyairtable.Code(err) != tc.code {
			t.Errorf("%s: %v (code %s); want %s", tc.name, err, pyairtable.Code(err), tc.code)
		}
		if tc.reason != "" && pyairtable.Reason(err) != tc.reason {
			t.Errorf("%s: reason %q; want %q", tc.name, pyairtable.Reason(err), tc.reason)
		}
	}
	if pyairtable.IsFailedPrecondition(nil) || pyairtable.Code(nil) != 0 || pyairtable.Code(errors.New("plain")) != connect.CodeUnknown {
		t.Error("the helpers must report nothing for nil and CodeUnknown for a plain error")
	}
	if pyairtable.IsEtagMismatch(connect.NewError(connect.CodeFailedPrecondition, errors.New("other"))) {
		t.Error("IsEtagMismatch without the reason")
	}
}

// TestFieldViolationsNameRecordAndField writes two bad cells and reads the
// violations' paths and messages.
func TestFieldViolationsNameRecordAndField(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newClient(t)
	table := newTable(t, c, "Violations")
	_, err := c.Records.CreateRecords(ctx, connect.NewRequest(&datav1.CreateRecordsRequest{TableId: table, Records: []*datav1.RecordInput{
		{Fields: mustFields(t, map[string]any{"Name": "Pen", "Price": 2})},
		{Fields: map[string]*structpb.Value{"Price": structpb.NewStringValue("cheap")}},
		{Fields: mustFields(t, map[string]any{"Released": "next week"})},
	}}))
	vs := pyairtable.FieldViolations(err)
	if !pyairtable.IsInvalidArgument(err) || len(vs) != 2 {
		t.Fatalf("violations %+v of %v; want two", vs, err)
	}
	if vs[0].Path != `records[1].fields["Price"]` || vs[1].Path != `records[2].fields["Released"]` || vs[0].Message == "" {
		t.Fatalf("violations %+v; want records[1].fields[\"Price\"] and records[2].fields[\"Released\"] with messages", vs)
	}
	if n := count(t, c, table); n != 0 {
		t.Fatalf("%d records written by a refused batch; want 0", n)
	}
	if pyairtable.FieldViolations(nil) != nil {
		t.Fatal("violations of nil")
	}
}
