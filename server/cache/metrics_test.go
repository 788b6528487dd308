package cache

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

func TestMetricsOnRegistry(t *testing.T) {
	ctx := context.Background()
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	if again := NewMetrics(reg); again.requests != m.requests {
		t.Fatal("a second NewMetrics on one registry did not reuse the registered counters")
	}
	c := NewMemory("tokens", m)
	c.Get(ctx, "k")
	c.Fill(ctx, "k", []byte("v"), time.Minute)
	c.Get(ctx, "k")
	c.Invalidate(ctx, "k")

	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range families {
		for _, mt := range f.GetMetric() {
			key := f.GetName()
			for _, l := range mt.GetLabel() {
				key += " " + l.GetName() + "=" + l.GetValue()
			}
			got[key] = mt.GetCounter().GetValue()
		}
	}
	want := map[string]float64{
		"pyairtable_cache_requests_total cache=tokens result=hit":  1,
		"pyairtable_cache_requests_total cache=tokens result=miss": 1,
		"pyairtable_cache_invalidations_total cache=tokens":        1,
		"pyairtable_cache_local_hits_total cache=tokens":           0,
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s = %v (present %v); want %v", k, g, ok, v)
		}
	}
}

func TestNilMetrics(t *testing.T) {
	var m *Metrics
	c := NewMemory("test", m)
	if _, ok := mustGet(t, c, "k"); ok {
		t.Fatal("want a miss")
	}
	if m.Hits("test")+m.Misses("test")+m.Invalidations("test")+m.LocalHits("test") != 0 {
		t.Fatal("nil metrics must read as zero")
	}
}

func TestOpenRedisRejectsBadURL(t *testing.T) {
	if c, err := OpenRedis("http://127.0.0.1:6379"); err == nil {
		c.Close()
		t.Fatal("OpenRedis accepted an http:// URL")
	}
}
