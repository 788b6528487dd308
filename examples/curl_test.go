package examples_test

import (
	"os/exec"
	"testing"
)

// TestCurlTour runs the curl tour with bash and checks its steps and what
// it left on the server.
func TestCurlTour(t *testing.T) {
	t.Parallel()
	for _, tool := range []string{"bash", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("the curl tour needs %s (.ci/run installs it): %v", tool, err)
		}
	}
	c, env := server(t)
	out := runProgram(t, env, "bash", "curl/tour.sh")
	wantLines(t, out,
		"== 1. Who am I",
		"signed in as tour@example.com",
		"== 2. A workspace",
		"== 3. A base",
		"== 4. A table with typed fields",
		"== 5. Records",
		"created 3 records: Ada 1200, Grace 3400, Edsger 900",
		"== 6. Won leads, largest first",
		"won: Grace, Edsger",
		"== 7. Upsert by email",
		"updated 1, created 1",
		"== 8. Delete",
		"== 9. What is left",
		"the table holds 3 records: Ada (Won), Grace (Won), Linus (New)",
	)
	wantMatch(t, out, `(?m)^created workspace Curl tour \((wsp\w{14})\), role ROLE_OWNER\nsent again with the same requestId: got (wsp\w{14}) back`, true)
	recs := recordsOf(t, c, findTable(t, c, "Curl tour", "CRM", "Leads"), "Email")
	if len(recs) != 3 || recs["ada@example.com"]["Stage"] != "Won" || recs["grace@example.com"]["Value"] != 3400.0 ||
		recs["linus@example.com"]["Name"] != "Linus" || recs["edsger@example.com"] != nil {
		t.Fatalf("the tour left %v; want Ada (won), Grace (3400) and Linus", recs)
	}
}
