package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// These tests stand in for FHIR R4 servers other than fixtures/epj: our EPJ's way (base at /, total, every entry a
// match, the resource in every write answer) and a HAPI-like way (base at /fhir, an OperationOutcome entry, its own
// address in links and Location, no body with Prefer: return=minimal, 409/412 on version conflicts).

func testRunner(t *testing.T, target string) *runner {
	t.Helper()
	cfg := &Config{
		Targets:   map[string]string{"journal-lookup": target, "admission": target, "discharge": target},
		Rates:     map[string]float64{"journal-lookup": 1, "admission": 1, "discharge": 1},
		TimeoutMs: 2000,
		Patients:  []Patient{{PatientID: "p1", CPR: "0100701234", EncounterID: "e1"}},
	}
	return newRunner(cfg)
}

// recorder is a fake server that records "METHOD path?query" of every request.
type recorder struct {
	mu   sync.Mutex
	seen []string
}

func (rec *recorder) add(r *http.Request) {
	rec.mu.Lock()
	rec.seen = append(rec.seen, r.Method+" "+r.URL.RequestURI())
	rec.mu.Unlock()
}

func writeFHIR(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/fhir+json;charset=UTF-8")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

// attempt runs one attempt through epjTransport as vegeta would, and turns the answer into vegeta's Result.
func attempt(t *testing.T, r *runner, h *hit, method, target string) *vegeta.Result {
	t.Helper()
	h.arrival = arrivalSend
	key := "h" + strings.ReplaceAll(t.Name(), "/", "-")
	r.hits.Store(key, h)
	req, err := http.NewRequest(method, target+"#"+key, nil)
	if err != nil {
		t.Fatal(err)
	}
	tr := &epjTransport{r: r, base: &http.Transport{Proxy: nil}}
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	r.schedules[h.fn].started(h.slot)
	return &vegeta.Result{Code: uint16(resp.StatusCode), Headers: resp.Header, Body: body, URL: req.URL.String()}
}

func TestFhirBase(t *testing.T) {
	for in, want := range map[string]string{
		"http://127.0.0.1:4100/Patient?identifier=a%7Cb#h1":      "http://127.0.0.1:4100",
		"http://127.0.0.1:4100/fhir/Patient?identifier=a%7Cb#h1": "http://127.0.0.1:4100/fhir",
		"http://[::1]:4100/a/b/Encounter/e1":                     "http://[::1]:4100/a/b/Encounter",
	} {
		u, _ := url.Parse(in)
		if got := fhirBase(u); got != want {
			t.Errorf("fhirBase(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestLookupOnAnyServer(t *testing.T) {
	const cpr = "0100701234"
	cases := []struct {
		name     string
		basePath string
		patients string // the Patient search's searchset
		status   int
		want     []string
	}{
		{
			name: "our EPJ: base at /, total, one match", basePath: "",
			patients: `{"resourceType":"Bundle","type":"searchset","total":1,"entry":[{"fullUrl":"http://127.0.0.1:1/Patient/p1","resource":{"resourceType":"Patient","id":"p1"},"search":{"mode":"match"}}]}`,
			status:   200,
			want: []string{
				"GET /Patient?identifier=urn%3Aoid%3A1.2.208.176.1.2%7C" + cpr,
				"GET /Encounter?patient=p1", "GET /DocumentReference?patient=p1", "GET /MedicationRequest?patient=p1&status=active",
			},
		},
		{
			name: "HAPI-like: base at /fhir, an OperationOutcome entry first, no total, a next link", basePath: "/fhir",
			patients: `{"resourceType":"Bundle","type":"searchset","link":[{"relation":"next","url":"http://hapi.internal:8080/fhir?_getpages=x"}],"entry":[` +
				`{"resource":{"resourceType":"OperationOutcome","id":"oo"},"search":{"mode":"outcome"}},{"resource":{"resourceType":"Patient","id":"42"}}]}`,
			status: 200,
			want: []string{
				"GET /fhir/Patient?identifier=urn%3Aoid%3A1.2.208.176.1.2%7C" + cpr,
				"GET /fhir/Encounter?patient=42", "GET /fhir/DocumentReference?patient=42", "GET /fhir/MedicationRequest?patient=42&status=active",
			},
		},
		{
			name: "no patient with this CPR: one request, 404", basePath: "/fhir",
			patients: `{"resourceType":"Bundle","type":"searchset","total":0}`,
			status:   404,
			want:     []string{"GET /fhir/Patient?identifier=urn%3Aoid%3A1.2.208.176.1.2%7C" + cpr},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := &recorder{}
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				rec.add(r)
				if strings.HasSuffix(r.URL.Path, "/Patient") {
					writeFHIR(w, 200, c.patients)
					return
				}
				writeFHIR(w, 200, `{"resourceType":"Bundle","type":"searchset","entry":[]}`)
			}))
			defer srv.Close()
			base := srv.URL + c.basePath
			r := testRunner(t, base)
			h := &hit{fn: "journal-lookup", op: opLookup}
			res := attempt(t, r, h, http.MethodGet, base+"/Patient?identifier="+url.QueryEscape(cprSystem+"|"+cpr))
			if int(res.Code) != c.status {
				t.Errorf("status %d, want %d (%s)", res.Code, c.status, res.Body)
			}
			if strings.Join(rec.seen, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("requests\n%s\nwant\n%s", strings.Join(rec.seen, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}

func TestDischargeOnAnyServer(t *testing.T) {
	cases := []struct {
		name           string
		basePath       string
		put            func(w http.ResponseWriter)
		outcome, cause string
		id, version    string
	}{
		{"our EPJ: 200 with the resource", "", func(w http.ResponseWriter) {
			w.Header().Set("Location", "http://127.0.0.1:1/Encounter/e1/_history/3")
			w.Header()["ETag"] = []string{`W/"3"`}
			writeFHIR(w, 200, `{"resourceType":"Encounter","id":"e1","meta":{"versionId":"3"}}`)
		}, "acknowledged", "", "e1", "3"},
		{"HAPI-like, Prefer return=minimal: 200, no body, no Location", "/fhir", func(w http.ResponseWriter) {
			w.Header()["ETag"] = []string{`W/"3"`}
			w.WriteHeader(200)
		}, "acknowledged", "", "e1", "3"},
		{"return=OperationOutcome: 200, Location on the server's own base", "/fhir", func(w http.ResponseWriter) {
			w.Header().Set("Location", "http://hapi.internal:8080/fhir/Encounter/e1/_history/3")
			writeFHIR(w, 200, `{"resourceType":"OperationOutcome","issue":[{"severity":"information","code":"informational"}]}`)
		}, "acknowledged", "", "e1", "3"},
		{"version conflict as 412", "/fhir", func(w http.ResponseWriter) {
			writeFHIR(w, 412, `{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"conflict","diagnostics":"version conflict"}]}`)
		}, "failed", "http-4xx", "", ""},
		{"version conflict as 409", "/fhir", func(w http.ResponseWriter) {
			writeFHIR(w, 409, `{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"conflict","details":{"text":"resource version conflict"}}]}`)
		}, "failed", "http-4xx", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := &recorder{}
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				rec.add(r)
				switch r.Method {
				case http.MethodGet:
					w.Header()["ETag"] = []string{`W/"2"`}
					writeFHIR(w, 200, `{"resourceType":"Encounter","id":"e1","meta":{"versionId":"2"},"status":"in-progress","period":{"start":"2020-01-01T00:00:00Z"}}`)
				case http.MethodPut:
					var enc map[string]any
					body, _ := io.ReadAll(r.Body)
					if json.Unmarshal(body, &enc) != nil || enc["id"] != "e1" || enc["status"] != "finished" || r.Header.Get("If-Match") != `W/"2"` {
						t.Errorf("PUT body %s If-Match %q", body, r.Header.Get("If-Match"))
					}
					c.put(w)
				}
			}))
			defer srv.Close()
			base := srv.URL + c.basePath
			r := testRunner(t, base)
			h := &hit{fn: "discharge", op: opDischarge, writeID: newWriteID(), resourceType: "Encounter", encounterID: "e1"}
			res := attempt(t, r, h, http.MethodPut, base+"/Encounter/e1")
			line, _ := r.line("discharge", res)
			want := []string{"GET " + c.basePath + "/Encounter/e1", "PUT " + c.basePath + "/Encounter/e1"}
			if strings.Join(rec.seen, ",") != strings.Join(want, ",") {
				t.Errorf("requests %v, want %v", rec.seen, want)
			}
			checkWrite(t, line, c.outcome, c.cause, c.id, c.version)
		})
	}
}

func TestCreateJudgementOnAnyServer(t *testing.T) {
	cases := []struct {
		name           string
		code           int
		location, etag string
		body           string
		outcome, cause string
		id, version    string
	}{
		{"our EPJ: 201 with the resource", 201, "http://127.0.0.1:1/Encounter/a1/_history/1", `W/"1"`,
			`{"resourceType":"Encounter","id":"a1","meta":{"versionId":"1"}}`, "acknowledged", "", "a1", "1"},
		{"201 without a body, Location on the server's own base", 201, "http://hapi.internal:8080/fhir/Encounter/123/_history/1", `W/"1"`,
			"", "acknowledged", "", "123", "1"},
		{"201 with an OperationOutcome body", 201, "Encounter/124/_history/1", "",
			`{"resourceType":"OperationOutcome","id":"oo","issue":[]}`, "acknowledged", "", "124", "1"},
		{"201, Location without _history, version from the ETag", 201, "http://hapi.internal:8080/fhir/Encounter/125", `W/"1"`,
			"", "acknowledged", "", "125", "1"},
		{"200: If-None-Exist matched an existing resource", 200, "", `W/"4"`,
			`{"resourceType":"Encounter","id":"old"}`, "acknowledged", "", "old", "4"},
		{"201 naming nothing: unknown", 201, "", "", "", "unknown", "other", "", ""},
		{"412: If-None-Exist matched several", 412, "", "", `{"resourceType":"OperationOutcome","issue":[{"code":"duplicate"}]}`, "failed", "http-4xx", "", ""},
		{"503 OperationOutcome: unknown", 503, "", "", `{"resourceType":"OperationOutcome","issue":[{"code":"transient"}]}`, "unknown", "http-5xx", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := testRunner(t, "http://127.0.0.1:1")
			h := &hit{fn: "admission", op: opCreate, writeID: newWriteID(), resourceType: "Encounter", arrival: arrivalSend}
			h.writeSent.Store(true)
			r.hits.Store("h1", h)
			r.schedules["admission"].started(h.slot)
			hdr := http.Header{}
			if c.location != "" {
				hdr.Set("Location", c.location)
			}
			if c.etag != "" {
				hdr.Set("ETag", c.etag)
			}
			line, _ := r.line("admission", &vegeta.Result{Code: uint16(c.code), Headers: hdr, Body: []byte(c.body), URL: "http://127.0.0.1:1/Encounter#h1"})
			checkWrite(t, line, c.outcome, c.cause, c.id, c.version)
		})
	}
}

func checkWrite(t *testing.T, line lineOut, outcome, cause, id, version string) {
	t.Helper()
	if line.Write == nil {
		t.Fatalf("no write in %+v", line)
	}
	gotCause := ""
	if line.Cause != nil {
		gotCause = *line.Cause
	}
	if line.Write.Outcome != outcome || gotCause != cause || line.Write.ResourceID != id || line.Write.VersionID != version {
		t.Errorf("got outcome %s cause %q id %q version %q (detail %q), want %s %q %q %q",
			line.Write.Outcome, gotCause, line.Write.ResourceID, line.Write.VersionID, line.Detail, outcome, cause, id, version)
	}
}

func TestDiagnosticsReadsAnyOperationOutcome(t *testing.T) {
	for body, want := range map[string]string{
		`{"resourceType":"OperationOutcome","issue":[{"code":"conflict","diagnostics":"version conflict"}]}`:   "version conflict",
		`{"resourceType":"OperationOutcome","issue":[{"code":"conflict","details":{"text":"stale version"}}]}`: "stale version",
		`{"resourceType":"OperationOutcome","issue":[{"code":"processing"}]}`:                                  "processing",
		`<html>bad gateway</html>`: "<html>bad gateway</html>",
	} {
		if got := diagnostics([]byte(body)); got != want {
			t.Errorf("diagnostics(%s) = %q, want %q", body, got, want)
		}
	}
}
