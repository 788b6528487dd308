package api

import (
	"fmt"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// strictJSON is the JSON codec for requests written by people: unlike
// Connect's default it refuses unknown fields, so a misspelt or read-only
// field (say "ownerId") is an error instead of being silently ignored.
type strictJSON struct{ name string }

func (c strictJSON) Name() string { return c.name }

func (c strictJSON) Marshal(v any) ([]byte, error) {
	m, ok := v.(proto.Message)
	if !ok {
		return nil, fmt.Errorf("%T is not a protobuf message", v)
	}
	return protojson.Marshal(m)
}

func (c strictJSON) Unmarshal(data []byte, v any) error {
	m, ok := v.(proto.Message)
	if !ok {
		return fmt.Errorf("%T is not a protobuf message", v)
	}
	if len(data) == 0 {
		// An empty body is an empty message, as Connect clients send.
		proto.Reset(m)
		return nil
	}
	return protojson.UnmarshalOptions{}.Unmarshal(data, m)
}
