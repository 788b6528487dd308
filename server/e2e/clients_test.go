package e2e_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"buf.build/gen/go/bufbuild/protovalidate/protocolbuffers/go/buf/validate"
	"connectrpc.com/connect"
	"connectrpc.com/grpchealth"
	"google.golang.org/protobuf/proto"

	commonv1 "github.com/pyairtable/pyairtable/gen/pyairtable/common/v1"
	userv1 "github.com/pyairtable/pyairtable/gen/pyairtable/user/v1"
	workspacev1 "github.com/pyairtable/pyairtable/gen/pyairtable/workspace/v1"
	"github.com/pyairtable/pyairtable/server/api"
	"github.com/pyairtable/pyairtable/server/config"
	"github.com/pyairtable/pyairtable/server/servertest"
)

// cliRepoRoot is the repository root, relative to this package.
const cliRepoRoot = "../.."

// cliResult is what a finished command printed and how it exited.
type cliResult struct {
	Stdout, Stderr string
	Exit           int
}

// cliNeed returns the path of a program the test needs, failing the test
// when it is not installed.
func cliNeed(t *testing.T, name, hint string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s is needed by this test and was not found on PATH (%v); %s", name, err, hint)
	}
	return p
}

// cliRun runs a program and returns its output and exit status. A program
// that cannot be started, or runs longer than timeout, fails the test.
func cliRun(t *testing.T, timeout time.Duration, dir string, env []string, prog string, args ...string) cliResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, prog, args...)
	cmd.Dir = dir
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := cliResult{Stdout: stdout.String(), Stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("%s %s: still running after %s\nstdout:\n%s\nstderr:\n%s", filepath.Base(prog), strings.Join(args, " "), timeout, res.Stdout, res.Stderr)
	case errors.As(err, &exit):
		res.Exit = exit.ExitCode()
	case err != nil:
		t.Fatalf("run %s: %v", prog, err)
	}
	return res
}

// cliJSON decodes JSON output into v, failing the test on bad JSON.
func cliJSON(t *testing.T, what, out string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("%s: not the JSON expected (%v):\n%s", what, err, out)
	}
}

// cliErrorBody is the JSON body of a Connect error.
type cliErrorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Details []struct {
		Type  string          `json:"type"`
		Value string          `json:"value"`
		Debug json.RawMessage `json:"debug"`
	} `json:"details"`
}

// detail decodes the detail of the given type into m, reporting whether
// the body had one.
func (b cliErrorBody) detail(t *testing.T, m proto.Message) bool {
	t.Helper()
	name := string(m.ProtoReflect().Descriptor().FullName())
	for _, d := range b.Details {
		if d.Type != name {
			continue
		}
		raw, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(d.Value, "="))
		if err != nil {
			t.Fatalf("detail %s: value is not base64: %v", name, err)
		}
		if err := proto.Unmarshal(raw, m); err != nil {
			t.Fatalf("detail %s: %v", name, err)
		}
		return true
	}
	return false
}

// cliCurl calls the server with the curl program and returns the HTTP
// status and the response body.
func cliCurl(t *testing.T, curl string, args ...string) (int, string) {
	t.Helper()
	const marker = "\n--http-status:"
	all := append([]string{"--silent", "--show-error", "--max-time", "30", "--write-out", marker + "%{http_code}"}, args...)
	res := cliRun(t, time.Minute, "", nil, curl, all...)
	if res.Exit != 0 {
		t.Fatalf("curl %s: exit %d\n%s%s", strings.Join(args, " "), res.Exit, res.Stdout, res.Stderr)
	}
	i := strings.LastIndex(res.Stdout, marker)
	if i < 0 {
		t.Fatalf("curl printed no status:\n%s", res.Stdout)
	}
	status, err := strconv.Atoi(strings.TrimSpace(res.Stdout[i+len(marker):]))
	if err != nil {
		t.Fatalf("curl status: %v", err)
	}
	return status, res.Stdout[:i]
}

// cliPostJSON posts a Connect JSON request with curl, as a script would.
func cliPostJSON(t *testing.T, curl, baseURL, procedure, token, body string) (int, string) {
	t.Helper()
	args := []string{"-X", "POST", "-H", "Content-Type: application/json"}
	if token != "" {
		args = append(args, "-H", "Authorization: Bearer "+token)
	}
	return cliCurl(t, curl, append(args, "-d", body, baseURL+procedure)...)
}

// TestCurlJSON drives the API with the curl program and JSON bodies, as
// the README shows, on every backend.
func TestCurlJSON(t *testing.T) {
	curl := cliNeed(t, "curl", "install it (Debian: apt-get install -y curl)")
	for _, b := range servertest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			env := servertest.Start(t, b)
			u := env.NewUser(t, "curl@example.com")

			status, out := cliPostJSON(t, curl, env.URL, "/pyairtable.user.v1.UserService/GetCurrentUser", u.Token, `{}`)
			if status != http.StatusOK {
				t.Fatalf("GetCurrentUser: HTTP %d; want 200\n%s", status, out)
			}
			var me struct {
				User struct {
					ID, Email, State, CreateTime string
				}
			}
			cliJSON(t, "GetCurrentUser", out, &me)
			if me.User.ID != u.ID || me.User.Email != u.Email || me.User.State != "USER_STATE_ACTIVE" || me.User.CreateTime == "" {
				t.Fatalf("GetCurrentUser = %+v; want id %s, email %s, active, with createTime", me.User, u.ID, u.Email)
			}

			status, out = cliPostJSON(t, curl, env.URL, "/pyairtable.workspace.v1.WorkspaceService/CreateWorkspace", u.Token,
				`{"name": "Made with curl", "description": "from a shell script"}`)
			if status != http.StatusOK {
				t.Fatalf("CreateWorkspace: HTTP %d; want 200\n%s", status, out)
			}
			var created struct {
				Workspace struct{ ID, Name, Description, Role string }
			}
			cliJSON(t, "CreateWorkspace", out, &created)
			ws := created.Workspace
			if !regexp.MustCompile(`^wsp[A-Za-z0-9]{14}$`).MatchString(ws.ID) || ws.Name != "Made with curl" ||
				ws.Description != "from a shell script" || ws.Role != "ROLE_OWNER" {
				t.Fatalf("CreateWorkspace = %+v; want a wsp… id, the name and description sent, ROLE_OWNER", ws)
			}

			status, out = cliPostJSON(t, curl, env.URL, "/pyairtable.workspace.v1.WorkspaceService/ListWorkspaces", u.Token, `{"pageSize": 10}`)
			if status != http.StatusOK {
				t.Fatalf("ListWorkspaces: HTTP %d; want 200\n%s", status, out)
			}
			var list struct {
				Workspaces []struct{ ID, Name string }
			}
			cliJSON(t, "ListWorkspaces", out, &list)
			if len(list.Workspaces) != 1 || list.Workspaces[0].ID != ws.ID || list.Workspaces[0].Name != ws.Name {
				t.Fatalf("ListWorkspaces = %+v; want just %s", list.Workspaces, ws.ID)
			}

			// A read without side effects also answers a cacheable GET.
			status, out = cliCurl(t, curl, "-G", "-H", "Authorization: Bearer "+u.Token,
				"--data-urlencode", "encoding=json", "--data-urlencode", "message={}",
				env.URL+"/pyairtable.workspace.v1.WorkspaceService/ListWorkspaces")
			if status != http.StatusOK || !strings.Contains(out, ws.ID) {
				t.Fatalf("ListWorkspaces by GET: HTTP %d; want 200 listing %s\n%s", status, ws.ID, out)
			}

			status, out = cliPostJSON(t, curl, env.URL, "/pyairtable.workspace.v1.WorkspaceService/CreateWorkspace", u.Token, `{"name": ""}`)
			if status != http.StatusBadRequest {
				t.Fatalf("CreateWorkspace with an empty name: HTTP %d; want 400\n%s", status, out)
			}
			var bad cliErrorBody
			cliJSON(t, "error", out, &bad)
			if bad.Code != "invalid_argument" || bad.Message == "" || len(bad.Details) == 0 {
				t.Fatalf("error body = %s; want code invalid_argument, a message and details", out)
			}
			info := &commonv1.ErrorInfo{}
			if !bad.detail(t, info) || info.GetReason() != "INVALID_ARGUMENT" {
				t.Fatalf("error details = %s; want an ErrorInfo with reason INVALID_ARGUMENT", out)
			}
			vs := &validate.Violations{}
			if !bad.detail(t, vs) || !slices.Contains(cliViolationFields(vs), "name") {
				t.Fatalf("error details = %s; want a violation on field name", out)
			}
			if !strings.Contains(out, `"debug"`) || !strings.Contains(out, `"reason":"INVALID_ARGUMENT"`) {
				t.Errorf("error details carry no readable debug form for a person using curl:\n%s", out)
			}

			status, out = cliPostJSON(t, curl, env.URL, "/pyairtable.user.v1.UserService/GetCurrentUser", "", `{}`)
			var anon cliErrorBody
			cliJSON(t, "error", out, &anon)
			if status != http.StatusUnauthorized || anon.Code != "unauthenticated" {
				t.Fatalf("GetCurrentUser without a token: HTTP %d %s; want 401 with code unauthenticated", status, out)
			}
		})
	}
}

// cliViolationFields returns the dotted field names of violations.
func cliViolationFields(vs *validate.Violations) []string {
	var fields []string
	for _, v := range vs.GetViolations() {
		var names []string
		for _, el := range v.GetField().GetElements() {
			names = append(names, el.GetFieldName())
		}
		fields = append(fields, strings.Join(names, "."))
	}
	return fields
}

// cliGrpcurl returns the path of the grpcurl program pinned in go.mod as a
// tool. `go tool -n` builds it once into the Go build cache and prints its
// path; later runs reuse the cached program.
func cliGrpcurl(t *testing.T) string {
	t.Helper()
	goBin := cliNeed(t, "go", "install Go")
	res := cliRun(t, 5*time.Minute, cliRepoRoot, nil, goBin, "tool", "-n", "grpcurl")
	path := strings.TrimSpace(res.Stdout)
	if res.Exit == 0 {
		if st, err := os.Stat(path); err == nil && !st.IsDir() {
			return path
		}
	}
	path = filepath.Join(t.TempDir(), "grpcurl")
	res = cliRun(t, 5*time.Minute, cliRepoRoot, nil, goBin, "build", "-o", path, "github.com/fullstorydev/grpcurl/cmd/grpcurl")
	if res.Exit != 0 {
		t.Fatalf("build grpcurl (a tool in go.mod): exit %d\n%s%s", res.Exit, res.Stdout, res.Stderr)
	}
	return path
}

// TestGrpcurl calls the server over gRPC with grpcurl, which learns the API
// through server reflection, on every backend.
func TestGrpcurl(t *testing.T) {
	grpcurl := cliGrpcurl(t)
	for _, b := range servertest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			env := servertest.Start(t, b)
			u := env.NewUser(t, "grpcurl@example.com")
			addr := strings.TrimPrefix(env.URL, "http://")
			run := func(args ...string) cliResult {
				t.Helper()
				return cliRun(t, time.Minute, "", nil, grpcurl, append([]string{"-plaintext", "-max-time", "30"}, args...)...)
			}
			ok := func(what string, res cliResult) string {
				t.Helper()
				if res.Exit != 0 {
					t.Fatalf("grpcurl %s: exit %d\n%s%s", what, res.Exit, res.Stdout, res.Stderr)
				}
				return res.Stdout
			}

			listed := strings.Fields(ok("list", run(addr, "list")))
			for _, want := range append(slices.Clone(api.Services), grpchealth.HealthV1ServiceName) {
				if !slices.Contains(listed, want) {
					t.Errorf("grpcurl list = %q; missing %s (reflection must name every service the server mounts)", listed, want)
				}
			}

			desc := ok("describe", run(addr, "describe", "pyairtable.workspace.v1.WorkspaceService"))
			for _, want := range []string{"service WorkspaceService", "rpc CreateWorkspace", "rpc ListWorkspaces", "NO_SIDE_EFFECTS"} {
				if !strings.Contains(desc, want) {
					t.Errorf("describe WorkspaceService lacks %q:\n%s", want, desc)
				}
			}
			msg := ok("describe message", run(addr, "describe", "pyairtable.workspace.v1.CreateWorkspaceRequest"))
			if !strings.Contains(msg, "string name = 1") {
				t.Errorf("describe CreateWorkspaceRequest lacks the name field:\n%s", msg)
			}

			var me struct{ User struct{ ID, Email string } }
			cliJSON(t, "GetCurrentUser", ok("GetCurrentUser", run("-H", "authorization: Bearer "+u.Token, "-d", "{}", addr,
				"pyairtable.user.v1.UserService/GetCurrentUser")), &me)
			if me.User.ID != u.ID || me.User.Email != u.Email {
				t.Fatalf("GetCurrentUser = %+v; want %s %s", me.User, u.ID, u.Email)
			}

			var health struct{ Status string }
			cliJSON(t, "Health/Check", ok("Health/Check", run("-d", "{}", addr, "grpc.health.v1.Health/Check")), &health)
			if health.Status != "SERVING" {
				t.Fatalf("Health/Check status = %q; want SERVING", health.Status)
			}

			// grpcurl exits with 64 plus the gRPC code of a failed call.
			bad := run("-H", "authorization: Bearer "+u.Token, "-d", `{"name": ""}`, addr,
				"pyairtable.workspace.v1.WorkspaceService/CreateWorkspace")
			if bad.Exit != 64+int(connect.CodeInvalidArgument) || !strings.Contains(bad.Stderr, "InvalidArgument") ||
				!strings.Contains(bad.Stderr, `"reason": "INVALID_ARGUMENT"`) || !strings.Contains(bad.Stderr, `"fieldName": "name"`) {
				t.Fatalf("CreateWorkspace with an empty name: exit %d (want %d); grpcurl must print code InvalidArgument, "+
					"the ErrorInfo reason INVALID_ARGUMENT and a violation on name\n%s%s",
					bad.Exit, 64+int(connect.CodeInvalidArgument), bad.Stdout, bad.Stderr)
			}
			noAuth := run("-d", "{}", addr, "pyairtable.user.v1.UserService/GetCurrentUser")
			if noAuth.Exit != 64+int(connect.CodeUnauthenticated) {
				t.Fatalf("GetCurrentUser without a token: exit %d; want %d\n%s", noAuth.Exit, 64+int(connect.CodeUnauthenticated), noAuth.Stderr)
			}
		})
	}
}

// cliSample is one sample of a Prometheus text exposition.
type cliSample struct {
	Name   string
	Labels map[string]string
	Value  float64
}

var (
	cliSampleLine = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$`)
	cliLabelPair  = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"`)
)

// cliMetrics fetches /metrics and returns its samples.
func cliMetrics(t *testing.T, baseURL string) []cliSample {
	t.Helper()
	resp, err := servertest.HTTPClient(false).Get(baseURL + "/metrics")
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read /metrics: %v", err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("GET /metrics: HTTP %d, %s; want 200 text/plain\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	var samples []cliSample
	for _, line := range strings.Split(string(body), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m := cliSampleLine.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("/metrics: cannot read line %q", line)
		}
		v, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			t.Fatalf("/metrics: value of %q: %v", line, err)
		}
		s := cliSample{Name: m[1], Labels: map[string]string{}, Value: v}
		for _, p := range cliLabelPair.FindAllStringSubmatch(m[2], -1) {
			s.Labels[p[1]] = p[2]
		}
		samples = append(samples, s)
	}
	return samples
}

// cliSum adds up the samples of a metric whose labels include want.
func cliSum(samples []cliSample, name string, want map[string]string) (float64, bool) {
	var sum float64
	found := false
	for _, s := range samples {
		if s.Name != name {
			continue
		}
		match := true
		for k, v := range want {
			if s.Labels[k] != v {
				match = false
			}
		}
		if match {
			sum += s.Value
			found = true
		}
	}
	return sum, found
}

// cliLabels formats labels as Prometheus writes them.
func cliLabels(labels map[string]string) string {
	var pairs []string
	for k, v := range labels {
		pairs = append(pairs, fmt.Sprintf("%s=%q", k, v))
	}
	slices.Sort(pairs)
	return "{" + strings.Join(pairs, ",") + "}"
}

// TestHealthAndMetrics checks grpc.health.v1 with Connect's health client
// over gRPC, and that /metrics counts the calls just made and the token
// cache's look-ups, on every backend.
func TestHealthAndMetrics(t *testing.T) {
	for _, b := range servertest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			env := servertest.Start(t, b)
			u := env.NewUser(t, "metrics@example.com")

			health := grpchealth.NewClient(servertest.HTTPClient(true), env.URL, connect.WithGRPC())
			for _, service := range append([]string{""}, api.Services...) {
				res, err := health.Check(ctx, &grpchealth.CheckRequest{Service: service})
				servertest.NoErr(t, err)
				if res.Status != grpchealth.StatusServing {
					t.Fatalf("health of %q = %s; want %s", service, res.Status, grpchealth.StatusServing)
				}
			}
			_, err := health.Check(ctx, &grpchealth.CheckRequest{Service: "no.such.v1.Service"})
			servertest.WantCode(t, err, connect.CodeNotFound)

			const getMe = "/pyairtable.user.v1.UserService/GetCurrentUser"
			const create = "/pyairtable.workspace.v1.WorkspaceService/CreateWorkspace"
			okCalls := map[string]string{"procedure": getMe, "code": "ok"}
			badCalls := map[string]string{"procedure": create, "code": connect.CodeInvalidArgument.String()}
			tokenCache := map[string]string{"cache": "token"}

			before := cliMetrics(t, env.URL)
			okBefore, _ := cliSum(before, "pyairtable_rpc_requests_total", okCalls)
			badBefore, _ := cliSum(before, "pyairtable_rpc_requests_total", badCalls)
			cacheBefore, _ := cliSum(before, "pyairtable_cache_requests_total", tokenCache)

			c := env.Clients(servertest.GRPC, u.Token)
			for range 2 {
				_, err := c.Users.GetCurrentUser(ctx, connect.NewRequest(&userv1.GetCurrentUserRequest{}))
				servertest.NoErr(t, err)
			}
			_, err = c.Workspaces.CreateWorkspace(ctx, connect.NewRequest(&workspacev1.CreateWorkspaceRequest{Name: ""}))
			servertest.WantCode(t, err, connect.CodeInvalidArgument)

			after := cliMetrics(t, env.URL)
			okAfter, found := cliSum(after, "pyairtable_rpc_requests_total", okCalls)
			if !found || okAfter-okBefore != 2 {
				t.Errorf("pyairtable_rpc_requests_total%s went from %v to %v (listed: %t); want 2 more", cliLabels(okCalls), okBefore, okAfter, found)
			}
			badAfter, found := cliSum(after, "pyairtable_rpc_requests_total", badCalls)
			if !found || badAfter-badBefore != 1 {
				t.Errorf("pyairtable_rpc_requests_total%s went from %v to %v (listed: %t); want 1 more", cliLabels(badCalls), badBefore, badAfter, found)
			}
			if n, found := cliSum(after, "pyairtable_rpc_duration_seconds_count", map[string]string{"procedure": getMe}); !found || n < 2 {
				t.Errorf("pyairtable_rpc_duration_seconds_count{procedure=%q} = %v (listed: %t); want at least 2", getMe, n, found)
			}
			cacheAfter, found := cliSum(after, "pyairtable_cache_requests_total", tokenCache)
			if !found || cacheAfter-cacheBefore < 3 {
				t.Errorf("pyairtable_cache_requests_total{cache=\"token\"} went from %v to %v (listed: %t); want a look-up for each of 3 authenticated calls",
					cacheBefore, cacheAfter, found)
			}
			if hits, _ := cliSum(after, "pyairtable_cache_requests_total", map[string]string{"cache": "token", "result": "hit"}); hits < 1 {
				t.Errorf("pyairtable_cache_requests_total{cache=\"token\",result=\"hit\"} = %v; want the repeated token found in the cache", hits)
			}
		})
	}
}

// TestCORS checks that browsers on a listed origin may call the API over
// gRPC-Web and Connect, and that others may not. CORS sits in front of
// every backend alike, so one backend is enough.
func TestCORS(t *testing.T) {
	const origin = "http://app.example"
	env := servertest.Start(t, servertest.Backends[0], func(c *config.Config) { c.CORSOrigins = []string{origin} })
	u := env.NewUser(t, "cors@example.com")
	hc := servertest.HTTPClient(false)
	procedure := env.URL + "/pyairtable.user.v1.UserService/GetCurrentUser"

	do := func(method, from string, header map[string]string, body []byte) (*http.Response, []byte) {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), method, procedure, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Origin", from)
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, procedure, err)
		}
		defer resp.Body.Close()
		data, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, data
	}
	list := func(h http.Header, key string) []string {
		var out []string
		for _, v := range h.Values(key) {
			for _, part := range strings.Split(v, ",") {
				out = append(out, strings.ToLower(strings.TrimSpace(part)))
			}
		}
		return out
	}
	dump := func(resp *http.Response) string {
		var b strings.Builder
		_ = resp.Header.Write(&b)
		return fmt.Sprintf("HTTP %d\n%s", resp.StatusCode, b.String())
	}

	// Browsers send the requested headers lower case, sorted and joined by
	// commas (Fetch standard, "CORS-unsafe request-header names").
	preflights := map[string]string{
		"grpc-web": "authorization,content-type,x-grpc-web",
		"connect":  "authorization,connect-protocol-version,content-type",
	}
	for name, headers := range preflights {
		resp, _ := do(http.MethodOptions, origin, map[string]string{
			"Access-Control-Request-Method":  http.MethodPost,
			"Access-Control-Request-Headers": headers,
		}, nil)
		if resp.StatusCode/100 != 2 || resp.Header.Get("Access-Control-Allow-Origin") != origin {
			t.Errorf("%s preflight from %s: want 2xx and Access-Control-Allow-Origin %s\n%s", name, origin, origin, dump(resp))
			continue
		}
		if !slices.Contains(list(resp.Header, "Access-Control-Allow-Methods"), "post") {
			t.Errorf("%s preflight does not allow POST\n%s", name, dump(resp))
		}
		allowed := list(resp.Header, "Access-Control-Allow-Headers")
		for _, h := range strings.Split(headers, ",") {
			if !slices.Contains(allowed, h) {
				t.Errorf("%s preflight does not allow header %s\n%s", name, h, dump(resp))
			}
		}
	}

	resp, _ := do(http.MethodOptions, "http://evil.example", map[string]string{
		"Access-Control-Request-Method":  http.MethodPost,
		"Access-Control-Request-Headers": preflights["grpc-web"],
	}, nil)
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("preflight from an origin not listed got Access-Control-Allow-Origin %q; want none\n%s", got, dump(resp))
	}

	// A real gRPC-Web call: one frame holding the empty GetCurrentUserRequest.
	grpcWeb := map[string]string{
		"Content-Type": "application/grpc-web+proto", "X-Grpc-Web": "1", "Authorization": "Bearer " + u.Token,
	}
	resp, body := do(http.MethodPost, origin, grpcWeb, []byte{0, 0, 0, 0, 0})
	if resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte(u.ID)) || !bytes.Contains(body, []byte("grpc-status: 0")) {
		t.Fatalf("gRPC-Web GetCurrentUser from %s: want 200 with the user and grpc-status 0\n%s\n%q", origin, dump(resp), body)
	}
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != origin {
		t.Errorf("gRPC-Web response: Access-Control-Allow-Origin %q; want %s", got, origin)
	}
	exposed := list(resp.Header, "Access-Control-Expose-Headers")
	for _, h := range []string{"grpc-status", "grpc-message", "grpc-status-details-bin"} {
		if !slices.Contains(exposed, h) {
			t.Errorf("gRPC-Web response does not expose %s to scripts\n%s", h, dump(resp))
		}
	}

	resp, _ = do(http.MethodPost, "http://evil.example", grpcWeb, []byte{0, 0, 0, 0, 0})
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("gRPC-Web response to an origin not listed: Access-Control-Allow-Origin %q; want none", got)
	}
}
