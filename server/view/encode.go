package view

import (
	"bytes"
	"encoding/json"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
)

// The stored columns hold the contract's JSON form, compacted so the same
// view is always stored the same way.

var decodeOptions = protojson.UnmarshalOptions{DiscardUnknown: true}

func encodeMessage(m proto.Message) (string, error) {
	b, err := protojson.Marshal(m)
	if err != nil {
		return "", err
	}
	var out bytes.Buffer
	if err := json.Compact(&out, b); err != nil {
		return "", err
	}
	return out.String(), nil
}

func encodeFilter(f *tablev1.Filter) (string, error) {
	if f == nil {
		return "", nil
	}
	return encodeMessage(f)
}

func decodeFilter(s string) (*tablev1.Filter, error) {
	if s == "" {
		return nil, nil
	}
	f := &tablev1.Filter{}
	return f, decodeOptions.Unmarshal([]byte(s), f)
}

func encodeSorts(sorts []*tablev1.Sort) (string, error) {
	items := make([]json.RawMessage, len(sorts))
	for i, s := range sorts {
		enc, err := encodeMessage(s)
		if err != nil {
			return "", err
		}
		items[i] = json.RawMessage(enc)
	}
	b, err := json.Marshal(items)
	return string(b), err
}

func decodeSorts(s string) ([]*tablev1.Sort, error) {
	var items []json.RawMessage
	if err := json.Unmarshal([]byte(s), &items); err != nil {
		return nil, err
	}
	out := make([]*tablev1.Sort, len(items))
	for i, item := range items {
		out[i] = &tablev1.Sort{}
		if err := decodeOptions.Unmarshal(item, out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func encodeIDs(idList []string) (string, error) {
	if idList == nil {
		idList = []string{}
	}
	b, err := json.Marshal(idList)
	return string(b), err
}

func decodeIDs(s string) ([]string, error) {
	var out []string
	return out, json.Unmarshal([]byte(s), &out)
}

// encodeSettings stores settings in the form View carries them:
// {"kanban": {"groupFieldId": "fld…"}}; "{}" for none.
func encodeSettings(s Settings) (string, error) {
	return encodeMessage(s.holder())
}

func decodeSettings(enc string) (Settings, error) {
	v := &tablev1.View{}
	if err := decodeOptions.Unmarshal([]byte(enc), v); err != nil {
		return Settings{}, err
	}
	return Settings{Kanban: v.GetKanban(), Calendar: v.GetCalendar(), Gallery: v.GetGallery()}, nil
}
