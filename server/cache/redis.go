package cache

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/rueidis"
)

// OpenRedis connects to the Redis server at url (redis://, rediss:// for
// TLS, or unix://) with client-side caching enabled, as NewRedis expects.
// When invalidated is given, it is told the keys whose client-side copies
// Redis invalidates (nil keys: every key). The caller closes the client.
func OpenRedis(url string, invalidated ...func(keys []string)) (rueidis.Client, error) {
	opt, err := rueidis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("cache: parse redis url: %w", err)
	}
	opt.DisableCache = false
	if len(invalidated) > 0 && invalidated[0] != nil {
		fn := invalidated[0]
		opt.OnInvalidations = func(msgs []rueidis.RedisMessage) {
			if msgs == nil {
				fn(nil)
				return
			}
			keys := make([]string, 0, len(msgs))
			for _, m := range msgs {
				if k, err := m.ToString(); err == nil {
					keys = append(keys, k)
				}
			}
			fn(keys)
		}
	}
	client, err := rueidis.NewClient(opt)
	if err != nil {
		return nil, fmt.Errorf("cache: connect to redis: %w", err)
	}
	return client, nil
}

// localInvalidationWait bounds how long Invalidate waits for this process's
// own client-side cache to drop the invalidated keys.
const localInvalidationWait = 2 * time.Second

// fillScript stores a value unless the key holds a tombstone.
// KEYS[1] key; ARGV[1] tombstone marker, ARGV[2] value, ARGV[3] ttl in ms.
var fillScript = rueidis.NewLuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return 0
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
`)

// redisCache is the Cache shared through Redis. Gets use client-side caching:
// Redis remembers which connection read which key and pushes an invalidation
// to it when the key changes, so repeated Gets are answered from process
// memory and stay correct. Invalidate writes a tombstone, which is such a
// change, so every process tracking the key drops its copy.
type redisCache struct {
	client rueidis.Client
	name   string
	prefix string
	m      *Metrics
	opt    options
}

// NewRedis returns a Cache named name (the "cache" label of its metrics)
// that keeps its entries in Redis under prefix+key, and caches them in
// process memory through the client's server-assisted client-side caching.
// Open the client with OpenRedis. m may be nil.
func NewRedis(client rueidis.Client, name, prefix string, m *Metrics, opts ...Option) Cache {
	m.init(name)
	return &redisCache{client: client, name: name, prefix: prefix, m: m, opt: buildOptions(opts)}
}

func (c *redisCache) Get(ctx context.Context, key string) ([]byte, bool, error) {
	k := c.prefix + key
	resp := c.client.DoCache(ctx, c.client.B().Get().Key(k).Cache(), c.opt.maxTTL)
	val, found, err := decode(resp)
	local := resp.IsCacheHit()
	if err == nil && !found && local {
		// A miss answered from process memory can predate a Fill by this
		// process whose invalidation push has not been read yet. A miss
		// leads to a database load anyway, so confirming it costs little.
		resp = c.client.Do(ctx, c.client.B().Get().Key(k).Build())
		val, found, err = decode(resp)
		local = false
	}
	if err != nil {
		return nil, false, fmt.Errorf("cache %s: get: %w", c.name, err)
	}
	c.m.get(c.name, found, local)
	return val, found, nil
}

func (c *redisCache) Fill(ctx context.Context, key string, val []byte, ttl time.Duration) error {
	ttl, err := c.opt.checkFill(val, ttl)
	if err != nil {
		return err
	}
	ms := max(ttl.Milliseconds(), 1)
	args := []string{tombstone, string(val), strconv.FormatInt(ms, 10)}
	if err := fillScript.Exec(ctx, c.client, []string{c.prefix + key}, args).Error(); err != nil {
		return fmt.Errorf("cache %s: fill: %w", c.name, err)
	}
	return nil
}

func (c *redisCache) Invalidate(ctx context.Context, keys ...string) error {
	if len(keys) == 0 {
		return nil
	}
	if err := c.tombstones(ctx, c.opt.tombstoneTTL(), keys); err != nil {
		return fmt.Errorf("cache %s: invalidate: %w", c.name, err)
	}
	c.m.invalidated(c.name, len(keys))
	for _, key := range keys {
		if err := c.awaitLocal(ctx, c.prefix+key); err != nil {
			return err
		}
	}
	return nil
}

func (c *redisCache) Settle(ctx context.Context, d time.Duration, keys ...string) error {
	if d <= 0 {
		return ErrBadTTL
	}
	if err := c.tombstones(ctx, d, keys); err != nil {
		return fmt.Errorf("cache %s: settle: %w", c.name, err)
	}
	return nil
}

// tombstones writes a tombstone that lives d on each key, which also
// drops every process's local copy.
func (c *redisCache) tombstones(ctx context.Context, d time.Duration, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	cmds := make(rueidis.Commands, 0, len(keys))
	for _, key := range keys {
		cmds = append(cmds, c.client.B().Set().Key(c.prefix+key).Value(tombstone).Px(d).Build())
	}
	for _, resp := range c.client.DoMulti(ctx, cmds...) {
		if err := resp.Error(); err != nil {
			return err
		}
	}
	return nil
}

// awaitLocal returns once this process's client-side cache no longer serves
// a value for k. Other processes learn of the tombstone through the same
// push; this process waits for it so that its own next Get misses for sure.
func (c *redisCache) awaitLocal(ctx context.Context, k string) error {
	deadline := time.Now().Add(localInvalidationWait)
	for {
		_, found, err := decode(c.client.DoCache(ctx, c.client.B().Get().Key(k).Cache(), c.opt.maxTTL))
		if err != nil {
			return fmt.Errorf("cache %s: invalidate: %w", c.name, err)
		}
		if !found {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("cache %s: invalidate: local copy of %q not dropped within %v", c.name, k, localInvalidationWait)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Millisecond):
		}
	}
}

// decode reads a GET reply: found is false for an absent key or a tombstone.
func decode(resp rueidis.RedisResult) (val []byte, found bool, err error) {
	s, err := resp.ToString()
	if errors.Is(err, rueidis.Nil) {
		return nil, false, nil
	}
	if err != nil || s == tombstone {
		return nil, false, err
	}
	return []byte(s), true, nil
}
