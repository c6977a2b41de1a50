package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// These tests stand in for an EPJ whose FHIR front door wants a bearer token, speaks TLS with its own CA, and may
// require a client certificate. Certificates are made here, at test time; the token is synthetic.

const testToken = "synthetic-token-7f3a91"

// writePEM writes one PEM block to dir/name and returns its path.
func writePEM(t *testing.T, dir, name, kind string, der []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// clientCA makes a CA and a client certificate it signed; it returns the CA's pool and PEM file, and the client's
// PEM files.
func clientCA(t *testing.T, dir string) (pool *x509.CertPool, caFile, certFile, keyFile string) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "epj-chaos test client CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "epj-chaos harness"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, KeyUsage: x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalECPrivateKey(key)
	pool = x509.NewCertPool()
	pool.AddCert(ca)
	return pool, writePEM(t, dir, "client-ca.pem", "CERTIFICATE", caDER), writePEM(t, dir, "client.pem", "CERTIFICATE", der), writePEM(t, dir, "client-key.pem", "EC PRIVATE KEY", keyDER)
}

// authServer is a FHIR front door over TLS that answers the journal lookup's four searches, refuses any request
// without the token, and records what it saw.
type authServer struct {
	*httptest.Server
	mu      sync.Mutex
	auth    []string
	clients []string
}

func startAuthServer(t *testing.T, clientCAs *x509.CertPool) *authServer {
	t.Helper()
	s := &authServer{}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.auth = append(s.auth, r.Header.Get("Authorization"))
		if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
			s.clients = append(s.clients, r.TLS.PeerCertificates[0].Subject.CommonName)
		}
		s.mu.Unlock()
		if r.Header.Get("Authorization") != "Bearer "+testToken {
			writeFHIR(w, http.StatusUnauthorized, `{"resourceType":"OperationOutcome","issue":[{"code":"login"}]}`)
			return
		}
		if strings.HasSuffix(r.URL.Path, "/Patient") {
			writeFHIR(w, 200, `{"resourceType":"Bundle","entry":[{"search":{"mode":"match"},"resource":{"resourceType":"Patient","id":"p1"}}]}`)
			return
		}
		writeFHIR(w, 200, `{"resourceType":"Bundle","entry":[]}`)
	}))
	if clientCAs != nil {
		s.TLS = &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: clientCAs}
	}
	s.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are what some tests expect
	s.StartTLS()
	t.Cleanup(s.Close)
	return s
}

// serverCA is the test server's own certificate as a CA file (httptest's certificate is self-signed, issued to
// example.com and 127.0.0.1).
func serverCA(t *testing.T, s *httptest.Server, dir string) string {
	return writePEM(t, dir, "ca.pem", "CERTIFICATE", s.Certificate().Raw)
}

// lookupThrough runs one journal lookup to target through fn's sender, as the attacker does.
func lookupThrough(t *testing.T, auth EndpointAuth, target string, env map[string]string) (*http.Response, error) {
	t.Helper()
	cfg := &Config{
		Targets:   map[string]string{"journal-lookup": target},
		Auth:      map[string]EndpointAuth{"journal-lookup": auth},
		Rates:     map[string]float64{"journal-lookup": 1},
		TimeoutMs: 2000,
		Patients:  []Patient{{PatientID: "p1", CPR: "0100701234"}},
	}
	if p := authProblems(cfg); len(p) > 0 {
		t.Fatalf("config refused: %v", p)
	}
	creds, err := loadCredentials(cfg, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	r := newRunner(cfg)
	r.creds = creds
	h := &hit{fn: "journal-lookup", op: opLookup, patient: &cfg.Patients[0], arrival: arrivalSend}
	r.hits.Store("h1", h)
	req, _ := http.NewRequest(http.MethodGet, target+"/Patient?identifier=x#h1", nil)
	return (&epjTransport{r: r, base: r.sender("journal-lookup", 2)}).RoundTrip(req)
}

func TestBearerTokenAndCAReachTheServer(t *testing.T) {
	s := startAuthServer(t, nil)
	ca := serverCA(t, s.Server, t.TempDir())
	resp, err := lookupThrough(t, EndpointAuth{BearerTokenEnv: "EPJ_LOAD_TOKEN_0", TLS: &EndpointTLS{CA: ca, ServerName: "example.com"}}, s.URL, map[string]string{"EPJ_LOAD_TOKEN_0": testToken})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		t.Fatalf("lookup answered %d", resp.StatusCode)
	}
	// every request of the chain carries the token (Patient, Encounter, DocumentReference, MedicationRequest)
	if len(s.auth) != 4 {
		t.Fatalf("%d requests, want 4", len(s.auth))
	}
	for i, a := range s.auth {
		if a != "Bearer "+testToken {
			t.Errorf("request %d: Authorization %q", i+1, a)
		}
	}
}

func TestWithoutTheTokenTheServerRefuses(t *testing.T) {
	s := startAuthServer(t, nil)
	ca := serverCA(t, s.Server, t.TempDir())
	resp, err := lookupThrough(t, EndpointAuth{TLS: &EndpointTLS{CA: ca}}, s.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusUnauthorized || s.auth[0] != "" {
		t.Fatalf("status %d, Authorization %q", resp.StatusCode, s.auth[0])
	}
}

func TestClientCertificateIsPresented(t *testing.T) {
	dir := t.TempDir()
	pool, _, cert, key := clientCA(t, dir)
	s := startAuthServer(t, pool)
	ca := serverCA(t, s.Server, dir)
	env := map[string]string{"EPJ_LOAD_TOKEN_3": testToken}
	resp, err := lookupThrough(t, EndpointAuth{BearerTokenEnv: "EPJ_LOAD_TOKEN_3", TLS: &EndpointTLS{CA: ca, Cert: cert, Key: key}}, s.URL, env)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || len(s.clients) == 0 || s.clients[0] != "epj-chaos harness" {
		t.Fatalf("status %d, client certificates seen %v", resp.StatusCode, s.clients)
	}
	// the same server without a client certificate: the handshake fails, the attempt is not answered
	if _, err := lookupThrough(t, EndpointAuth{BearerTokenEnv: "EPJ_LOAD_TOKEN_3", TLS: &EndpointTLS{CA: ca}}, s.URL, env); err == nil {
		t.Fatal("a server requiring a client certificate answered without one")
	}
}

func TestAnotherCAOrServerNameIsRefused(t *testing.T) {
	dir := t.TempDir()
	s := startAuthServer(t, nil)
	_, wrongCA, _, _ := clientCA(t, dir) // a CA that did not issue the server's certificate
	env := map[string]string{"EPJ_LOAD_TOKEN_0": testToken}
	_, err := lookupThrough(t, EndpointAuth{BearerTokenEnv: "EPJ_LOAD_TOKEN_0", TLS: &EndpointTLS{CA: wrongCA}}, s.URL, env)
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		t.Fatalf("want an unknown-authority error, got %v", err)
	}
	ca := serverCA(t, s.Server, dir)
	_, err = lookupThrough(t, EndpointAuth{TLS: &EndpointTLS{CA: ca, ServerName: "epj.example"}}, s.URL, env)
	var misnamed x509.HostnameError
	if !errors.As(err, &misnamed) {
		t.Fatalf("want a host-name error, got %v", err)
	}
	if len(s.auth) != 0 {
		t.Fatalf("the token went out over a connection that was not trusted: %v", s.auth)
	}
}

func TestConfigAuthIsCheckedWithTheRest(t *testing.T) {
	_, err := ParseConfig(strings.NewReader(`{
		"targets": {"journal-lookup": "http://127.0.0.1:1", "admission": "https://127.0.0.1:2"},
		"auth": {
			"journal-lookup": {"tls": {"ca": "/ca.pem"}},
			"admission": {"bearerTokenEnv": "HOME", "tls": {"cert": "client.pem"}},
			"discharge": {"bearerTokenEnv": "EPJ_LOAD_TOKEN_0"},
			"x-ray": {"bearerTokenEnv": "EPJ_LOAD_TOKEN_1"}
		},
		"rates": {"journal-lookup": 1, "admission": 1},
		"patients": [{"patientId": "p", "cpr": "0100701234"}]}`))
	var ce *configError
	if !errors.As(err, &ce) {
		t.Fatalf("want configError, got %v", err)
	}
	for _, want := range []string{
		`auth.journal-lookup.tls: targets.journal-lookup "http://127.0.0.1:1" must be an https:// URL`,
		`auth.admission.bearerTokenEnv "HOME": must be EPJ_LOAD_TOKEN_<n>`,
		"auth.admission.tls: a client certificate needs both cert and key",
		`auth.admission.tls.cert "client.pem": must be an absolute path`,
		"auth.discharge: targets.discharge is missing",
		`auth: unknown clinical function "x-ray"`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in\n%v", want, err)
		}
	}
}

func TestCredentialProblemsNameTheFieldNeverTheToken(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.pem")
	os.WriteFile(garbage, []byte("not a certificate"), 0o600)
	cfg := &Config{
		Targets: map[string]string{"admission": "https://127.0.0.1:2", "clinical-note": "https://127.0.0.1:3", "referral": "https://127.0.0.1:4"},
		Auth: map[string]EndpointAuth{
			"admission":     {BearerTokenEnv: "EPJ_LOAD_TOKEN_0", TLS: &EndpointTLS{CA: filepath.Join(dir, "missing.pem")}},
			"clinical-note": {BearerTokenEnv: "EPJ_LOAD_TOKEN_1", TLS: &EndpointTLS{CA: garbage}},
			"referral":      {TLS: &EndpointTLS{Cert: garbage, Key: garbage}},
		},
	}
	env := map[string]string{"EPJ_LOAD_TOKEN_1": "has a space " + testToken}
	_, err := loadCredentials(cfg, func(k string) string { return env[k] })
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{
		"auth.admission.bearerTokenEnv: EPJ_LOAD_TOKEN_0 is not set in epj-load's environment",
		"auth.admission.tls.ca: open " + filepath.Join(dir, "missing.pem"),
		"auth.clinical-note.bearerTokenEnv: EPJ_LOAD_TOKEN_1 holds characters a bearer token cannot have",
		"auth.clinical-note.tls.ca: " + garbage + " holds no PEM certificate",
		"auth.referral.tls.cert: " + garbage,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), testToken) {
		t.Errorf("the token is in the message: %v", err)
	}
}
