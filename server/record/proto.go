package record

import (
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	datav1 "github.com/pyairtable/pyairtable/gen/pyairtable/data/v1"
)

// Proto returns a record as the contract's Record: the non-empty cells of
// cols (an unchecked checkbox counts as empty), keyed by field id when
// byID is true, else by name. A record in the trash carries its delete
// and purge times.
func (s *Service) Proto(cols []*Column, r *Record, byID bool) (*datav1.Record, error) {
	out := &datav1.Record{
		Id: r.ID, Etag: r.Etag(), CreatedBy: r.CreatedBy, UpdatedBy: r.UpdatedBy,
		CreateTime: timestamppb.New(r.CreatedAt), UpdateTime: timestamppb.New(r.UpdatedAt),
		Fields: make(map[string]*structpb.Value, len(cols)),
	}
	if r.DeletedAt != nil {
		out.DeleteTime = timestamppb.New(*r.DeletedAt)
		out.PurgeTime = timestamppb.New(r.DeletedAt.Add(s.trash))
	}
	for _, c := range cols {
		stored, ok := r.Cells[c.Field.ID]
		if !ok || stored == nil {
			continue
		}
		v, err := c.Type.Cell(c.Options, stored)
		if err != nil {
			return nil, err
		}
		if v == nil {
			continue
		}
		if b, isBool := v.Kind.(*structpb.Value_BoolValue); isBool && !b.BoolValue {
			continue
		}
		key := c.Field.Name
		if byID {
			key = c.Field.ID
		}
		out.Fields[key] = v
	}
	return out, nil
}
