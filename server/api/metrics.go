package api

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics counts calls by procedure and code, and times them.
type Metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// NewMetrics registers the RPC metrics on reg:
// pyairtable_rpc_requests_total{procedure,code} and
// pyairtable_rpc_duration_seconds{procedure}.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pyairtable_rpc_requests_total",
			Help: "RPCs handled, by procedure and result code (\"ok\" or a Connect code).",
		}, []string{"procedure", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "pyairtable_rpc_duration_seconds",
			Help:    "Time to handle an RPC, by procedure.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"procedure"}),
	}
	reg.MustRegister(m.requests, m.duration)
	return m
}
