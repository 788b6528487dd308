package config_test

import (
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/pyairtable/pyairtable/server/config"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaultsNeedNothing(t *testing.T) {
	c, err := config.Parse("t", nil, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":8080" || c.DatabaseURL != "sqlite:./data/pyairtable.db" || c.RedisURL != "" || c.RateLimit != 50 {
		t.Fatalf("defaults = %+v", c)
	}
}

func TestFlagWinsOverEnvironment(t *testing.T) {
	c, err := config.Parse("t", []string{"--addr", ":9000", "--cors-origins", "https://a.example, https://b.example"},
		env(map[string]string{"PYAIRTABLE_ADDR": ":7000", "PYAIRTABLE_WRITE_TIMEOUT": "5s"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":9000" || c.WriteTimeout != 5*time.Second || len(c.CORSOrigins) != 2 || c.CORSOrigins[1] != "https://b.example" {
		t.Fatalf("parsed %+v", c)
	}
}

func TestBadValuesNameTheSetting(t *testing.T) {
	cases := map[string]string{
		"PYAIRTABLE_RATE_LIMIT":        "fast",
		"PYAIRTABLE_READ_TIMEOUT":      "soon",
		"PYAIRTABLE_LOG_FORMAT":        "xml",
		"PYAIRTABLE_SECRET_KEY":        "short",
		"PYAIRTABLE_MAX_REQUEST_BYTES": "-1",
	}
	for k, v := range cases {
		_, err := config.Parse("t", nil, env(map[string]string{k: v}), io.Discard)
		if err == nil {
			t.Errorf("%s=%s accepted", k, v)
		}
	}
}

// TestREADMEDocumentsEverySetting keeps the README's configuration table
// complete.
func TestREADMEDocumentsEverySetting(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range config.Settings {
		if !strings.Contains(string(readme), "`"+s.Env+"`") || !strings.Contains(string(readme), "--"+s.Flag) {
			t.Errorf("README.md does not document %s (--%s)", s.Env, s.Flag)
		}
	}
}
