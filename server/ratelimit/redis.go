package ratelimit

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/rueidis"
)

// gcraScript applies one request to one key, atomically, with the Redis
// server's clock. Times are integer microseconds.
// KEYS[1] key; ARGV[1] interval; ARGV[2] window (burst * interval).
// Returns {allowed (0|1), remaining, retry after}.
var gcraScript = rueidis.NewLuaScript(`
local interval = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1]))
if tat == nil or tat < now then
  tat = now
end
local next = tat + interval
local allow_at = next - window
if now < allow_at then
  return {0, 0, allow_at - now}
end
redis.call('SET', KEYS[1], string.format('%d', next), 'PX', math.ceil((next - now) / 1000))
return {1, math.floor((now - allow_at) / interval), 0}
`)

// redisLimiter is the Limiter shared through Redis.
type redisLimiter struct {
	client rueidis.Client
	prefix string
	args   []string
}

// NewRedis returns a Limiter whose budget lives in Redis under prefix+key and
// is shared by every process using the same prefix. Each key expires when it
// would have its full burst back, so idle keys vanish. Time is the Redis
// server's, at microsecond resolution. It panics if rate.Requests or rate.Per
// is not positive.
func NewRedis(client rueidis.Client, prefix string, rate Rate) Limiter {
	rate.check()
	iv := max(rate.interval().Microseconds(), 1)
	window := iv * int64(rate.burst())
	return &redisLimiter{
		client: client,
		prefix: prefix,
		args:   []string{strconv.FormatInt(iv, 10), strconv.FormatInt(window, 10)},
	}
}

func (l *redisLimiter) Allow(ctx context.Context, key string) (Decision, error) {
	vals, err := gcraScript.Exec(ctx, l.client, []string{l.prefix + key}, l.args).AsIntSlice()
	if err != nil {
		return Decision{}, fmt.Errorf("ratelimit: %w", err)
	}
	if len(vals) != 3 {
		return Decision{}, fmt.Errorf("ratelimit: unexpected script reply %v", vals)
	}
	return Decision{
		Allowed:    vals[0] == 1,
		Remaining:  int(vals[1]),
		RetryAfter: time.Duration(vals[2]) * time.Microsecond,
	}, nil
}
