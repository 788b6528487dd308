package fieldtype

import (
	"net/url"
	"regexp"
	"strings"

	"google.golang.org/protobuf/types/known/structpb"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/storage"
)

// URL is an http or https URL.
type URL struct{}

var _ Type = URL{}

func init() { register(URL{}) }

// Kind is FIELD_TYPE_URL.
func (URL) Kind() tablev1.FieldType { return tablev1.FieldType_FIELD_TYPE_URL }

// Column is TEXT.
func (URL) Column(e storage.Engine) string { return textColumn.on(e) }

// ReadOnly is false.
func (URL) ReadOnly() bool { return false }

// CanBePrimary is true.
func (URL) CanBePrimary() bool { return true }

// NormalizeOptions refuses options: the type has none.
func (t URL) NormalizeOptions(o *tablev1.FieldOptions) (*tablev1.FieldOptions, error) {
	return noOptions(t.Kind(), o)
}

// Value takes an absolute http or https URL with a host, at most
// MaxTextLength characters, without surrounding spaces. With typecast, a
// bare host name such as "example.com/page" gets "https://" in front.
func (URL) Value(_ *tablev1.FieldOptions, v *structpb.Value, typecast bool, _ Env) (any, error) {
	s, empty, err := trimmedInput(v, typecast)
	if err != nil || empty {
		return nil, err
	}
	if typecast && !strings.Contains(s, "://") && looksLikeHost(s) {
		s = "https://" + s
	}
	if err := checkURL(s); err != nil {
		return nil, err
	}
	if err := checkLength(s, MaxTextLength); err != nil {
		return nil, err
	}
	return s, nil
}

// hostLike matches a host name with a top-level domain of letters, and an
// optional port: "example.com", "www.example.co.uk:8080".
var hostLike = regexp.MustCompile(`^([A-Za-z0-9-]+\.)+[A-Za-z]{2,}(:[0-9]{1,5})?$`)

// looksLikeHost reports whether s starts with a host name such as
// "example.com", followed by nothing or a path, query or fragment; so
// neither an email address nor a number is taken for one.
func looksLikeHost(s string) bool {
	host := s
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		host = s[:i]
	}
	return hostLike.MatchString(host) && !strings.ContainsAny(s, " \t")
}

// checkURL refuses anything but an absolute http or https URL with a host.
func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || strings.ContainsAny(s, " \t\r\n") {
		return cellError("url.format", "%s is not a URL", quote(s))
	}
	if scheme := strings.ToLower(u.Scheme); scheme != "http" && scheme != "https" {
		return cellError("url.scheme", "%s is not a URL: it must start with http:// or https://", quote(s))
	}
	if u.Host == "" {
		return cellError("url.host", "%s is not a URL: it has no host", quote(s))
	}
	return nil
}

// Cell returns the URL.
func (URL) Cell(_ *tablev1.FieldOptions, stored any) (*structpb.Value, error) {
	return textCell("url", stored)
}

// Text returns the URL.
func (URL) Text(_ *tablev1.FieldOptions, stored any) string { return textText(stored) }
