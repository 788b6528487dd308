package pyairtable

import (
	"crypto/rand"
	"encoding/hex"
	"reflect"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// requestIDField is the name every mutating request gives its idempotency
// key (see pyairtable.common.v1.request_id).
const requestIDField = "request_id"

// NewRequestID returns a fresh request id: a random UUID (version 4), which
// fits the server's rule of 1 to 128 letters, digits, '-', '_', '.' or ':'.
// A Client sets one on every write that has none; set your own when the
// same write may be sent again by a later run of your program (a retry
// after a crash, say), so the server applies it only once.
func NewRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
	return string(out[:])
}

// requestIDOf returns the request_id field of a message's type, or nil when
// it has none (reads have none).
func requestIDOf(md protoreflect.MessageDescriptor) protoreflect.FieldDescriptor {
	fd := md.Fields().ByName(requestIDField)
	if fd == nil || fd.Kind() != protoreflect.StringKind || fd.IsList() || fd.IsMap() {
		return nil
	}
	return fd
}

// ensureRequestID makes sure a write carries a request id. It reports
// whether the request has one now (false: the message has no request_id
// field). When it sets one, it sends a copy of the message, leaving the
// caller's message untouched (so reusing it for another write does not
// reuse the id); restore puts the caller's message back into the request.
func ensureRequestID(req connect.AnyRequest) (has bool, restore func()) {
	noop := func() {}
	msg, ok := req.Any().(proto.Message)
	if !ok || msg == nil {
		return false, noop
	}
	fd := requestIDOf(msg.ProtoReflect().Descriptor())
	if fd == nil {
		return false, noop
	}
	if msg.ProtoReflect().Get(fd).String() != "" {
		return true, noop
	}
	id := protoreflect.ValueOfString(NewRequestID())
	// req is a *connect.Request[T]: swap its Msg for a copy holding the id.
	var field reflect.Value
	if rv := reflect.ValueOf(req); rv.Kind() == reflect.Pointer && rv.Elem().Kind() == reflect.Struct {
		field = rv.Elem().FieldByName("Msg")
	}
	if field.IsValid() && field.CanSet() {
		cp := proto.Clone(msg)
		cp.ProtoReflect().Set(fd, id)
		if cv := reflect.ValueOf(cp); cv.Type().AssignableTo(field.Type()) {
			orig := field.Interface()
			field.Set(cv)
			return true, func() { field.Set(reflect.ValueOf(orig)) }
		}
	}
	// Some other request type: set the id in place and clear it afterwards.
	msg.ProtoReflect().Set(fd, id)
	return true, func() { msg.ProtoReflect().Clear(fd) }
}
