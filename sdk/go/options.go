package pyairtable

import (
	"fmt"
	"net/http"
	"time"
)

// Protocol is the wire protocol a Client speaks. The server serves all of
// them on one port.
type Protocol string

// The protocols a Client can speak.
const (
	// ConnectJSON is the Connect protocol with JSON messages: easy to read
	// in logs and proxies.
	ConnectJSON Protocol = "connect+json"
	// ConnectBinary is the Connect protocol with binary protobuf messages:
	// the default, compact and fast.
	ConnectBinary Protocol = "connect+proto"
	// GRPC is gRPC over HTTP/2 (cleartext HTTP/2 with prior knowledge for
	// http:// URLs).
	GRPC Protocol = "grpc"
	// GRPCWeb is gRPC-Web, as browsers speak it.
	GRPCWeb Protocol = "grpc-web"
)

// RetryPolicy says how a Client retries calls that failed in a way a retry
// may cure. The zero value of a field takes its default.
type RetryPolicy struct {
	// MaxAttempts is the most attempts of one call, the first included.
	// Default 4; 1 turns retries off.
	MaxAttempts int
	// InitialBackoff is the upper bound of the first random wait. Default
	// 100ms. Each later wait's bound doubles, up to MaxBackoff.
	InitialBackoff time.Duration
	// MaxBackoff caps the random wait between attempts. Default 5s. A
	// server's RetryInfo delay is honoured even when it is longer.
	MaxBackoff time.Duration
}

// DefaultRetryPolicy is the policy of a Client made without WithRetry.
var DefaultRetryPolicy = RetryPolicy{MaxAttempts: 4, InitialBackoff: 100 * time.Millisecond, MaxBackoff: 5 * time.Second}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = DefaultRetryPolicy.MaxAttempts
	}
	if p.InitialBackoff <= 0 {
		p.InitialBackoff = DefaultRetryPolicy.InitialBackoff
	}
	if p.MaxBackoff <= 0 {
		p.MaxBackoff = DefaultRetryPolicy.MaxBackoff
	}
	p.MaxBackoff = max(p.MaxBackoff, p.InitialBackoff)
	return p
}

// DefaultUserAgent is the User-Agent a Client sends unless told otherwise.
const DefaultUserAgent = "pyairtable-go"

type settings struct {
	token      string
	protocol   Protocol
	httpClient *http.Client
	userAgent  string
	timeout    time.Duration
	retry      RetryPolicy
	batchSize  int
}

// Option configures a Client made by New.
type Option func(*settings) error

// WithToken sends a personal access token ("pat….…") with every call, as
// "Authorization: Bearer <token>".
func WithToken(token string) Option {
	return func(s *settings) error {
		s.token = token
		return nil
	}
}

// WithProtocol chooses the wire protocol. Default ConnectBinary.
func WithProtocol(p Protocol) Option {
	return func(s *settings) error {
		switch p {
		case ConnectJSON, ConnectBinary, GRPC, GRPCWeb:
			s.protocol = p
			return nil
		default:
			return fmt.Errorf("pyairtable: unknown protocol %q (want %q, %q, %q or %q)", p, ConnectJSON, ConnectBinary, GRPC, GRPCWeb)
		}
	}
}

// WithHTTPClient sends calls through hc instead of the default client. For
// GRPC, hc must speak HTTP/2 (for http:// URLs: cleartext HTTP/2 with prior
// knowledge, as http.Transport does when its Protocols hold
// UnencryptedHTTP2 and not HTTP1). Its Timeout, if any, bounds each
// attempt.
func WithHTTPClient(hc *http.Client) Option {
	return func(s *settings) error {
		if hc == nil {
			return fmt.Errorf("pyairtable: WithHTTPClient(nil)")
		}
		s.httpClient = hc
		return nil
	}
}

// WithUserAgent sets the User-Agent header. Default DefaultUserAgent.
func WithUserAgent(ua string) Option {
	return func(s *settings) error {
		s.userAgent = ua
		return nil
	}
}

// WithTimeout bounds every call, its retries and the waits between them
// included, unless the call's context ends sooner. Default: no bound
// beyond the context's.
func WithTimeout(d time.Duration) Option {
	return func(s *settings) error {
		if d < 0 {
			return fmt.Errorf("pyairtable: negative timeout %s", d)
		}
		s.timeout = d
		return nil
	}
}

// WithRetry sets the retry policy. Default DefaultRetryPolicy.
func WithRetry(p RetryPolicy) Option {
	return func(s *settings) error {
		if p.InitialBackoff < 0 || p.MaxBackoff < 0 {
			return fmt.Errorf("pyairtable: negative backoff in retry policy")
		}
		s.retry = p.withDefaults()
		return nil
	}
}

// WithoutRetries makes every call a single attempt.
func WithoutRetries() Option { return WithRetry(RetryPolicy{MaxAttempts: 1}) }

// WithBatchSize sets how many records each call of the batch helpers
// (CreateAllRecords, UpdateAllRecords, DeleteAllRecords) carries: 1 to
// MaxBatch, the default. Smaller chunks suit records so large that 1000 of
// them would pass the server's request size limit.
func WithBatchSize(n int) Option {
	return func(s *settings) error {
		if n < 1 || n > MaxBatch {
			return fmt.Errorf("pyairtable: batch size %d must be 1 to %d", n, MaxBatch)
		}
		s.batchSize = n
		return nil
	}
}
