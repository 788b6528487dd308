package fieldtype

import (
	"errors"
	"sync"
	"time"
	_ "time/tzdata" // time zones load even where the system has no zoneinfo

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
)

// DefaultTimeZone is the time zone of a date-time field that names none.
const DefaultTimeZone = "UTC"

var locations sync.Map // time zone name -> *time.Location

// loadLocation loads an IANA time zone by name, caching it. "Local" is
// refused: it would depend on the server's settings.
func loadLocation(name string) (*time.Location, error) {
	if l, ok := locations.Load(name); ok {
		return l.(*time.Location), nil
	}
	if name == "" || name == "Local" {
		return nil, errUnknownZone
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	locations.Store(name, l)
	return l, nil
}

// errUnknownZone is the error of a zone name that is empty or "Local".
var errUnknownZone = errors.New("unknown time zone")

// fieldLocation is the time zone of a date-time field; UTC when unset or
// unknown.
func fieldLocation(o *tablev1.FieldOptions) *time.Location {
	name := o.GetDateTime().GetTimeZone()
	if name == "" {
		return time.UTC
	}
	l, err := loadLocation(name)
	if err != nil {
		return time.UTC
	}
	return l
}
