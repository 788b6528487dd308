#!/usr/bin/env bash
# A tour of PyAirtable with nothing but curl and JSON (and jq to pick ids
# out of the answers). Every call is a POST of JSON to
# $PYAIRTABLE_URL/<package>.<Service>/<Method> (the Connect protocol).
#
#   PYAIRTABLE_URL=http://localhost:8080 PYAIRTABLE_TOKEN=pat… bash examples/curl/tour.sh
#
# On a fresh server, make the first user (the administrator) and a token:
#   export PYAIRTABLE_TOKEN=$(go run ./server/cmd/pyairtable token create --email you@example.com)
set -euo pipefail

URL=${PYAIRTABLE_URL:-http://localhost:8080}
if [ -z "${PYAIRTABLE_TOKEN:-}" ]; then
  echo 'tour: set PYAIRTABLE_TOKEN to a personal access token; on a fresh server:' >&2
  echo '  export PYAIRTABLE_TOKEN=$(go run ./server/cmd/pyairtable token create --email you@example.com)' >&2
  exit 1
fi
command -v jq >/dev/null || { echo 'tour: needs jq (apt-get install jq)' >&2; exit 1; }

# call METHOD JSON: POSTs JSON to a method ("workspace.v1.WorkspaceService/CreateWorkspace"),
# shows what it sends, and prints the answer; an error answer stops the tour.
call() {
  local method=pyairtable.$1 body=$2 out code
  echo "   POST /$method $(jq -c . <<<"$body")" >&2
  out=$(curl -sS -w '\n%{http_code}' "$URL/$method" \
    -H "Authorization: Bearer $PYAIRTABLE_TOKEN" -H 'Content-Type: application/json' -d "$body")
  code=${out##*$'\n'}
  out=${out%$'\n'*}
  if [ "$code" != 200 ]; then
    echo "tour: $method answered $code: $out" >&2
    exit 1
  fi
  printf '%s\n' "$out"
}

step() { printf '\n== %s\n' "$*"; }

# Request ids make writes safe to retry: the same id returns the first answer.
RUN="tour-$(date +%s)-$RANDOM"

step "1. Who am I"
me=$(call user.v1.UserService/GetCurrentUser '{}')
echo "signed in as $(jq -r .user.email <<<"$me")"

step "2. A workspace"
ws_body='{"name":"Curl tour","requestId":"'$RUN'-workspace"}'
ws=$(call workspace.v1.WorkspaceService/CreateWorkspace "$ws_body")
WORKSPACE=$(jq -r .workspace.id <<<"$ws")
echo "created workspace $(jq -r .workspace.name <<<"$ws") ($WORKSPACE), role $(jq -r .workspace.role <<<"$ws")"
again=$(call workspace.v1.WorkspaceService/CreateWorkspace "$ws_body")
echo "sent again with the same requestId: got $(jq -r .workspace.id <<<"$again") back, no second workspace"

step "3. A base"
base=$(call table.v1.BaseService/CreateBase '{"workspaceId":"'$WORKSPACE'","name":"CRM","requestId":"'$RUN'-base"}')
BASE=$(jq -r .base.id <<<"$base")
echo "created base CRM ($BASE)"

step "4. A table with typed fields"
table=$(call table.v1.TableService/CreateTable '{"baseId":"'$BASE'","name":"Leads","requestId":"'$RUN'-table","fields":[
  {"name":"Name","type":"FIELD_TYPE_SINGLE_LINE_TEXT"},
  {"name":"Email","type":"FIELD_TYPE_EMAIL"},
  {"name":"Stage","type":"FIELD_TYPE_SINGLE_SELECT","options":{"select":{"choices":[{"name":"New"},{"name":"Won"}]}}},
  {"name":"Value","type":"FIELD_TYPE_CURRENCY","options":{"currency":{"symbol":"€","precision":2}}}]}')
TABLE=$(jq -r .table.id <<<"$table")
echo "created table Leads ($TABLE) with fields: $(jq -r '[.table.fields[].name] | join(", ")' <<<"$table")"

step "5. Records"
created=$(call data.v1.RecordService/CreateRecords '{"tableId":"'$TABLE'","typecast":true,"requestId":"'$RUN'-records","records":[
  {"fields":{"Name":"Ada","Email":"ada@example.com","Stage":"New","Value":1200}},
  {"fields":{"Name":"Grace","Email":"grace@example.com","Stage":"Won","Value":"3,400"}},
  {"fields":{"Name":"Edsger","Email":"edsger@example.com","Stage":"Won","Value":900}}]}')
echo "created $(jq '.records | length' <<<"$created") records: $(jq -r '[.records[] | "\(.fields.Name) \(.fields.Value)"] | join(", ")' <<<"$created")"
EDSGER=$(jq -r '.records[] | select(.fields.Name == "Edsger") | .id' <<<"$created")

step "6. Won leads, largest first"
won=$(call data.v1.RecordService/ListRecords '{"tableId":"'$TABLE'","pageSize":50,
  "filter":{"condition":{"field":"Stage","operator":"OPERATOR_EQUAL","value":"Won"}},
  "sorts":[{"field":"Value","direction":"SORT_DIRECTION_DESCENDING"}]}')
echo "won: $(jq -r '[.records[].fields.Name] | join(", ")' <<<"$won")"

step "7. Upsert by email"
up=$(call data.v1.RecordService/UpdateRecords '{"tableId":"'$TABLE'","mergeFields":["Email"],"requestId":"'$RUN'-upsert","records":[
  {"fields":{"Email":"ada@example.com","Stage":"Won"}},
  {"fields":{"Email":"linus@example.com","Name":"Linus","Stage":"New","Value":500}}]}')
echo "updated $(jq '.updatedRecordIds | length' <<<"$up"), created $(jq '.createdRecordIds | length' <<<"$up")"

step "8. Delete"
del=$(call data.v1.RecordService/DeleteRecords '{"tableId":"'$TABLE'","requestId":"'$RUN'-delete","records":[{"id":"'$EDSGER'"}]}')
echo "deleted $(jq '.deletedRecordIds | length' <<<"$del") record; restorable until $(jq -r .purgeTime <<<"$del")"

step "9. What is left"
count=$(call data.v1.RecordService/CountRecords '{"tableId":"'$TABLE'"}')
left=$(call data.v1.RecordService/ListRecords '{"tableId":"'$TABLE'","sorts":[{"field":"Name"}]}')
echo "the table holds $(jq -r '.count // 0' <<<"$count") records: $(jq -r '[.records[] | "\(.fields.Name) (\(.fields.Stage))"] | join(", ")' <<<"$left")"
