package pyairtable_test

import (
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// cutProxy is a TCP proxy between a client and a server that can lose
// answers: the request reaches the server, which handles it (a write
// commits) and answers, but the proxy closes the connection instead of
// passing the answer on, as a network failure at the worst moment would.
type cutProxy struct {
	URL    string
	target string
	h2     bool         // the client speaks HTTP/2 (gRPC); else HTTP/1.1
	armed  atomic.Int32 // answers still to lose
	cuts   atomic.Int32 // answers lost so far
	ln     net.Listener
	wg     sync.WaitGroup
	mu     sync.Mutex
	conns  []net.Conn   // every connection, closed when the test ends
	sent   bytes.Buffer // the first 64 KiB clients sent
}

// newCutProxy starts a proxy to the server at url (http://host:port).
func newCutProxy(t *testing.T, url string, h2 bool) *cutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{URL: "http://" + ln.Addr().String(), target: strings.TrimPrefix(url, "http://"), h2: h2, ln: ln}
	p.wg.Add(1)
	go p.serve()
	t.Cleanup(func() {
		_ = ln.Close()
		p.mu.Lock()
		for _, c := range p.conns {
			_ = c.Close()
		}
		p.mu.Unlock()
		p.wg.Wait()
	})
	return p
}

// loseNext makes the proxy lose the next n answers.
func (p *cutProxy) loseNext(n int) { p.armed.Store(int32(n)) }

func (p *cutProxy) serve() {
	defer p.wg.Done()
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		server, err := net.Dial("tcp", p.target)
		if err != nil {
			_ = client.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, client, server)
		p.mu.Unlock()
		p.wg.Add(2)
		go func() {
			defer p.wg.Done()
			_, _ = io.Copy(server, io.TeeReader(client, p))
			_ = server.Close()
		}()
		go func() {
			defer p.wg.Done()
			defer client.Close()
			defer server.Close()
			if p.h2 {
				p.relayFrames(client, server)
			} else {
				p.relayBytes(client, server)
			}
		}()
	}
}

// Write keeps the start of what clients send, for tests to read.
func (p *cutProxy) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if room := 64<<10 - p.sent.Len(); room > 0 {
		p.sent.Write(b[:min(len(b), room)])
	}
	return len(b), nil
}

// Sent returns the start of what clients sent.
func (p *cutProxy) Sent() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.sent.String()
}

// take consumes one armed cut, reporting whether there was one.
func (p *cutProxy) take() bool {
	for {
		n := p.armed.Load()
		if n <= 0 {
			return false
		}
		if p.armed.CompareAndSwap(n, n-1) {
			p.cuts.Add(1)
			return true
		}
	}
}

// relayBytes passes an HTTP/1.1 server's answers on. A server writes an
// answer only once it has handled the request, so the first bytes of an
// answer mean the write is done: an armed proxy drops them and closes.
func (p *cutProxy) relayBytes(client, server net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := server.Read(buf)
		if n > 0 {
			if p.take() {
				return
			}
			if _, werr := client.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// relayFrames passes an HTTP/2 server's frames on. Connection frames
// (settings, pings, window updates) pass; the first HEADERS or DATA frame
// of a stream is an answer to a handled request, which an armed proxy
// drops, closing the connection.
func (p *cutProxy) relayFrames(client, server net.Conn) {
	var head [9]byte
	for {
		if _, err := io.ReadFull(server, head[:]); err != nil {
			return
		}
		length := int(head[0])<<16 | int(head[1])<<8 | int(head[2])
		frameType := head[3]
		stream := binary.BigEndian.Uint32(head[5:]) & 0x7fffffff
		payload := make([]byte, length)
		if _, err := io.ReadFull(server, payload); err != nil {
			return
		}
		const data, headers = 0x0, 0x1
		if stream != 0 && (frameType == headers || frameType == data) && p.take() {
			return
		}
		if _, err := client.Write(append(head[:], payload...)); err != nil {
			return
		}
	}
}
