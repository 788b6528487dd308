package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"

	datav1 "github.com/pyairtable/pyairtable/gen/pyairtable/data/v1"
	"github.com/pyairtable/pyairtable/gen/pyairtable/data/v1/datav1connect"
)

// bareEnv, when set in the environment, makes this program the bare
// baseline server instead of the benchmark: it names a file holding a
// GetRecordResponse (binary protobuf) to answer every GetRecord with.
const bareEnv = "PYAIRTABLE_BENCH_BARE_RECORD"

// bareHandler is a RecordService that answers GetRecord with a canned
// record and nothing else: no authentication, validation, database or
// logging. It is what connect-go and the network cost on their own.
type bareHandler struct {
	datav1connect.UnimplementedRecordServiceHandler
	canned *datav1.GetRecordResponse
}

func (h *bareHandler) GetRecord(context.Context, *connect.Request[datav1.GetRecordRequest]) (*connect.Response[datav1.GetRecordResponse], error) {
	return connect.NewResponse(h.canned), nil
}

// runBare serves the bare handler on a free local port, HTTP/1.1 and h2c
// like the server, and prints "listening ADDR" on stdout. It runs until
// killed.
func runBare(file string) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	canned := &datav1.GetRecordResponse{}
	if err := proto.Unmarshal(b, canned); err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle(datav1connect.NewRecordServiceHandler(&bareHandler{canned: canned}))
	var p http.Protocols
	p.SetHTTP1(true)
	p.SetUnencryptedHTTP2(true)
	srv := &http.Server{Handler: mux, Protocols: &p, ReadHeaderTimeout: 10 * time.Second}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Printf("listening %s\n", ln.Addr())
	return srv.Serve(ln)
}

// bareProcess is the bare server, run as a child process (this program
// again) so that it is measured as the real server is: another process,
// over loopback.
type bareProcess struct {
	cmd *exec.Cmd
	url string
}

// startBare starts the bare server answering with canned.
func startBare(ctx context.Context, dir string, canned *datav1.GetRecordResponse) (*bareProcess, error) {
	b, err := proto.Marshal(canned)
	if err != nil {
		return nil, err
	}
	file := dir + "/canned-record.binpb"
	if err := os.WriteFile(file, b, 0o600); err != nil {
		return nil, err
	}
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), bareEnv+"="+file)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "listening "); ok {
				line <- a
			}
		}
	}()
	select {
	case a := <-line:
		return &bareProcess{cmd: cmd, url: "http://" + a}, nil
	case <-time.After(30 * time.Second):
	case <-ctx.Done():
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	return nil, errors.New("the bare server did not start")
}

func (b *bareProcess) stop() {
	if b == nil {
		return
	}
	_ = b.cmd.Process.Kill()
	_ = b.cmd.Wait()
}
