package cache

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// Metrics counts cache use for every cache that shares it, labelled by cache
// name. It is registered on a registry chosen by the caller, never on the
// global one, so that several servers can live in one process.
//
// A nil *Metrics is valid: it counts nothing and reads as zero.
type Metrics struct {
	requests      *prometheus.CounterVec
	invalidations *prometheus.CounterVec
	localHits     *prometheus.CounterVec
	received      *prometheus.CounterVec
}

// NewMetrics creates the cache counters and registers them on reg:
//
//	pyairtable_cache_requests_total{cache, result="hit"|"miss"}
//	pyairtable_cache_invalidations_total{cache}
//	pyairtable_cache_local_hits_total{cache}
//	pyairtable_cache_invalidations_received_total{cache}
//
// A hit is a Get that found a value, a miss one that did not. Invalidations
// count keys, not calls. Local hits are the hits a Redis-backed cache answered
// from the process's client-side cache without a round trip to Redis.
// If reg already holds these counters (NewMetrics called twice on one
// registry), the registered ones are reused. A nil reg registers nothing.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pyairtable_cache_requests_total",
			Help: "Cache look-ups by cache and result (hit: value found, miss: not found).",
		}, []string{"cache", "result"}),
		invalidations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pyairtable_cache_invalidations_total",
			Help: "Keys invalidated, by cache.",
		}, []string{"cache"}),
		localHits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pyairtable_cache_local_hits_total",
			Help: "Hits served from the Redis client-side cache without a round trip, by cache.",
		}, []string{"cache"}),
		received: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pyairtable_cache_invalidations_received_total",
			Help: "Keys whose client-side cached copy Redis invalidated (a change made anywhere), by cache.",
		}, []string{"cache"}),
	}
	if reg != nil {
		m.requests = register(reg, m.requests)
		m.invalidations = register(reg, m.invalidations)
		m.localHits = register(reg, m.localHits)
		m.received = register(reg, m.received)
	}
	return m
}

func register(reg prometheus.Registerer, c *prometheus.CounterVec) *prometheus.CounterVec {
	err := reg.Register(c)
	if err == nil {
		return c
	}
	var already prometheus.AlreadyRegisteredError
	if errors.As(err, &already) {
		if existing, ok := already.ExistingCollector.(*prometheus.CounterVec); ok {
			return existing
		}
	}
	panic(err)
}

// init creates the series of one cache at zero, so they show up in /metrics
// before the first request.
func (m *Metrics) init(name string) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(name, "hit")
	m.requests.WithLabelValues(name, "miss")
	m.invalidations.WithLabelValues(name)
	m.localHits.WithLabelValues(name)
}

func (m *Metrics) get(name string, found, local bool) {
	if m == nil {
		return
	}
	if !found {
		m.requests.WithLabelValues(name, "miss").Inc()
		return
	}
	m.requests.WithLabelValues(name, "hit").Inc()
	if local {
		m.localHits.WithLabelValues(name).Inc()
	}
}

func (m *Metrics) invalidated(name string, keys int) {
	if m != nil {
		m.invalidations.WithLabelValues(name).Add(float64(keys))
	}
}

// Hits reports how many Gets on the named cache found a value.
func (m *Metrics) Hits(name string) float64 {
	if m == nil {
		return 0
	}
	return value(m.requests.WithLabelValues(name, "hit"))
}

// Misses reports how many Gets on the named cache found no value.
func (m *Metrics) Misses(name string) float64 {
	if m == nil {
		return 0
	}
	return value(m.requests.WithLabelValues(name, "miss"))
}

// Invalidations reports how many keys of the named cache were invalidated.
func (m *Metrics) Invalidations(name string) float64 {
	if m == nil {
		return 0
	}
	return value(m.invalidations.WithLabelValues(name))
}

// LocalHits reports how many hits of the named cache were served from the
// Redis client-side cache without a round trip. It stays zero for in-process
// caches.
func (m *Metrics) LocalHits(name string) float64 {
	if m == nil {
		return 0
	}
	return value(m.localHits.WithLabelValues(name))
}

func value(c prometheus.Counter) float64 {
	var out dto.Metric
	if err := c.Write(&out); err != nil {
		return 0
	}
	return out.GetCounter().GetValue()
}

// Received counts keys of a cache whose local copy Redis invalidated.
func (m *Metrics) Received(name string, keys int) {
	if m == nil || keys <= 0 {
		return
	}
	m.received.WithLabelValues(name).Add(float64(keys))
}
